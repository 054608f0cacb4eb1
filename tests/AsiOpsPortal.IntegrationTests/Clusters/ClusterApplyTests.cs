extern alias fleetsim;

using fleetsim::AsiOpsPortal.FleetSim;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>
/// Applying manifests, reading rollouts back and deleting, through the portal's Kubernetes seam over real HTTP to
/// FleetSim. Each test gets a cluster of its own; FleetSim itself is read over plain HTTP as the independent witness.
/// </summary>
public sealed class ClusterApplyTests(FleetOnly fleet) : IClassFixture<FleetOnly>, IDisposable
{
    private const string FieldManager = "asiops-portal";
    private static readonly IReadOnlyDictionary<string, string> NoAnnotations = new Dictionary<string, string>();

    private readonly KubernetesClusterClient _client = new(Options.Create(new ClusterClientOptions
    {
        Qps = 500, Burst = 500, RequestTimeout = TimeSpan.FromSeconds(10),
    }));

    public void Dispose() => _client.Dispose();

    private static string Shop(string ns, string image, int replicas = 3) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: shop
        spec:
          replicas: {replicas}
          selector:
            matchLabels: {"{"}app: shop{"}"}
          template:
            metadata:
              labels: {"{"}app: shop{"}"}
            spec:
              containers:
              - name: shop
                image: {image}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: shop-config
        data:
          mode: blue
        """;

    private static IReadOnlyList<ManifestObject> Objects(string yaml, string ns) =>
        Manifests.InApplyOrder(Manifests.Parse(yaml).Select(o => o.WithNamespace(ns)));

    private static readonly ObjectRef Deployment = new("apps/v1", "Deployment", "shop", "shop");

    [Fact]
    public async Task ApplyAsync_CreatesObjectsThatRollOut_WhenNamespaceConfigMapAndDeploymentAreApplied()
    {
        var (target, sim) = NewCluster();

        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);
        var converged = await ConvergedAsync(target, Deployment);

        Assert.Equal("3/3 updated, 3/3 available", ConvergenceRules.Evaluate(converged).Summary);
        Assert.Equal(["shop:1.0"], converged.Images);
        var deployment = await fleet.Fleet.GetJsonAsync(sim, "/apis/apps/v1/namespaces/shop/deployments/shop");
        Assert.Equal("shop:1.0", deployment!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(3, deployment["status"]!["availableReplicas"]!.GetValue<int>());
        Assert.Equal("blue", (await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/shop/configmaps/shop-config"))!["data"]!["mode"]!.GetValue<string>());
        Assert.NotNull(await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/shop"));
    }

    [Fact]
    public async Task ApplyAsync_BumpsGenerationAndConvergesOnTheNewImage_WhenImageChanges()
    {
        var (target, sim) = NewCluster();
        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);
        var first = await ConvergedAsync(target, Deployment);

        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.1"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);
        var changed = await _client.GetObjectAsync(target, Deployment, CancellationToken.None);
        var second = await ConvergedAsync(target, Deployment);

        Assert.Equal(first.Generation + 1, changed!.Generation);
        Assert.Equal(["shop:1.1"], second.Images);
        Assert.Equal(changed.Generation, second.ObservedGeneration);
        var deployment = await fleet.Fleet.GetJsonAsync(sim, "/apis/apps/v1/namespaces/shop/deployments/shop");
        Assert.Equal("shop:1.1", deployment!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApplyAsync_NeverConvergesAndSaysWhy_WhenTheImageCannotBePulled()
    {
        var (target, _) = NewCluster();

        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:2.0-broken"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);

        // FleetSim's simulated progress deadline is one convergence delay after the rollout starts; once it is exceeded the
        // simulator schedules nothing more for the Deployment. Every read up to that event must say "not done".
        var summaries = new List<Convergence>();
        await Eventually.UntilAsync(async () =>
            {
                var summary = ConvergenceRules.Evaluate(await _client.GetObjectAsync(target, Deployment, CancellationToken.None));
                summaries.Add(summary);
                return summary;
            },
            s => s.Done || s.Summary.Contains("ProgressDeadlineExceeded", StringComparison.Ordinal),
            "the Deployment to exceed its progress deadline", TimeSpan.FromSeconds(30));
        Assert.All(summaries, s => Assert.False(s.Done, s.Summary));
        var last = summaries[^1].Summary;
        Assert.StartsWith("waiting: 0/3 available (image shop:2.0-broken)", last);
        Assert.Contains("ProgressDeadlineExceeded", last);
    }

    [Fact]
    public async Task ApplyAsync_StampsAnnotationsAndAppliesAsTheFieldManager_WhenCallerPassesThem()
    {
        var (target, sim) = NewCluster();
        var annotations = new Dictionary<string, string> { ["asiops.io/change"] = "c-42", ["asiops.io/version"] = "1.0" };

        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, annotations, CancellationToken.None);

        var live = await _client.GetObjectAsync(target, Deployment, CancellationToken.None);
        Assert.Equal("c-42", live!.Annotations["asiops.io/change"]);
        Assert.Equal("1.0", live.Annotations["asiops.io/version"]);
        foreach (var path in new[] { "/api/v1/namespaces/shop", "/api/v1/namespaces/shop/configmaps/shop-config", "/apis/apps/v1/namespaces/shop/deployments/shop" })
        {
            var obj = (await fleet.Fleet.GetJsonAsync(sim, path))!;
            Assert.Equal("c-42", obj["metadata"]!["annotations"]!["asiops.io/change"]!.GetValue<string>());
            var managers = obj["metadata"]!["managedFields"]!.AsArray();
            var ours = Assert.Single(managers, m => m!["manager"]!.GetValue<string>() == FieldManager);
            Assert.Equal("Apply", ours!["operation"]!.GetValue<string>());
            Assert.Contains("asiops.io/change", ours["fieldsV1"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task ApplyAsync_SendsOneApplyPatchPerObject_WhenCalledTwice()
    {
        var (target, sim) = NewCluster();
        var objects = Objects(Shop("shop", "shop:1.0"), "shop");

        await _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None);
        await _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None);

        var patches = fleet.Fleet.RequestLog(sim).Where(r => r.Method == "PATCH").ToList();
        Assert.All(patches, p => Assert.StartsWith("application/apply-patch+yaml", p.ContentType));
        Assert.All(patches, p => Assert.Contains($"fieldManager={FieldManager}", p.Path));
        Assert.All(patches, p => Assert.Contains("force=true", p.Path));
        Assert.All(patches, p => Assert.Equal(200, p.Status));
        Assert.Equal(
            [
                "/api/v1/namespaces/shop", "/api/v1/namespaces/shop/configmaps/shop-config", "/apis/apps/v1/namespaces/shop/deployments/shop",
                "/api/v1/namespaces/shop", "/api/v1/namespaces/shop/configmaps/shop-config", "/apis/apps/v1/namespaces/shop/deployments/shop",
            ],
            patches.Select(p => p.Path.Split('?')[0]));
    }

    [Fact]
    public async Task ApplyAsync_StopsWithAPlainMessage_WhenTheClusterDoesNotServeTheKind()
    {
        var (target, sim) = NewCluster();
        var objects = Manifests.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: before, namespace: default}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: gadget, namespace: default}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: after, namespace: default}
            """);

        var failure = await Assert.ThrowsAsync<ClusterCallException>(() =>
            _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None));

        Assert.Equal(ClusterFailure.UnknownKind, failure.Failure);
        Assert.Equal($"{sim}: the cluster does not serve kind Widget in apiVersion example.com/v1 — is its CRD installed? "
                     + "(Widget default/gadget and the objects after it were not applied.)", failure.Message);
        Assert.NotNull(await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/default/configmaps/before"));
        Assert.Null(await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/default/configmaps/after"));
        Assert.DoesNotContain(fleet.Fleet.RequestLog(sim), r => r.Method == "PATCH" && r.Path.Contains("widgets"));
    }

    [Fact]
    public async Task ApplyAsync_WaitsForACrdItJustApplied_ToBeServed_BeforeApplyingItsObjects()
    {
        var (target, sim) = NewCluster();
        var objects = Manifests.InApplyOrder(Manifests.Parse("""
            apiVersion: example.com/v1
            kind: Gizmo
            metadata: {name: first, namespace: default}
            spec: {size: 3}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gizmos.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: gizmos, singular: gizmo, kind: Gizmo}
              versions:
              - name: v1
                served: true
                storage: true
                schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            """));

        await _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None);

        var gizmo = await fleet.Fleet.GetJsonAsync(sim, "/apis/example.com/v1/namespaces/default/gizmos/first");
        Assert.Equal(3, gizmo!["spec"]!["size"]!.GetValue<int>());
        // FleetSim serves a new CRD only after a moment, as an API server does: the client asked discovery until it did.
        Assert.True(fleet.Fleet.RequestLog(sim).Count(r => r.Method == "GET" && r.Path == "/apis/example.com/v1") > 1,
            "the client should have asked discovery again while the CRD was being established");
    }

    [Fact]
    public async Task ApplyAsync_RollsOutAStatefulSet_PodByOrdinal_AndAgainWhenItsImageChanges()
    {
        var (target, sim) = NewCluster();
        static string Db(string image) => $$$"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, namespace: default}
            spec:
              replicas: 2
              serviceName: db
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  containers: [{name: db, image: "{{{image}}}"}]
            """;
        var db = new ObjectRef("apps/v1", "StatefulSet", "db", "default");

        await _client.ApplyAsync(target, Manifests.Parse(Db("db:1.0")), FieldManager, NoAnnotations, CancellationToken.None);
        var first = await ConvergedAsync(target, db);
        await _client.ApplyAsync(target, Manifests.Parse(Db("db:1.1")), FieldManager, NoAnnotations, CancellationToken.None);
        var second = await Eventually.UntilAsync(() => _client.GetObjectAsync(target, db, CancellationToken.None),
            live => live!.Images.SequenceEqual(["db:1.1"]) && ConvergenceRules.Evaluate(live).Done, "the new image to roll out", TimeSpan.FromSeconds(30));

        Assert.Equal("2/2 updated, 2/2 available", ConvergenceRules.Evaluate(first).Summary);
        Assert.Equal(["db:1.1"], second!.Images);
        var status = (await fleet.Fleet.GetJsonAsync(sim, "/apis/apps/v1/namespaces/default/statefulsets/db"))!["status"]!;
        Assert.Equal(status["currentRevision"]!.GetValue<string>(), status["updateRevision"]!.GetValue<string>());
        var pod = await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/default/pods/db-1");
        Assert.Equal("db:1.1", pod!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApplyAsync_NamesTheObjectAndWhatTheServerSaid_WhenTheServerFails()
    {
        var (target, sim) = NewCluster();
        var objects = Objects(Shop("shop", "shop:1.0"), "shop");
        await _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None);
        fleet.Fleet.SetFault(sim, new SimFault { ErrorRate = 1.0 });
        try
        {
            var failure = await Assert.ThrowsAsync<ClusterCallException>(() =>
                _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None));

            Assert.Equal(ClusterFailure.ServerError, failure.Failure);
            Assert.Equal($"{sim}: applying Namespace/shop: the API server answered 500 Internal Server Error: Internal error occurred: fleetsim injected fault.", failure.Message);
        }
        finally
        {
            fleet.Fleet.SetFault(sim, SimFault.None);
        }
    }

    [Fact]
    public async Task ApplyAsync_ReportsInvalidWithTheServersWords_WhenTheServerRefusesTheObject()
    {
        var (target, sim) = NewCluster();
        // The URL says namespace "a" while the body says "b": the API server refuses that with 400.
        var mismatched = new ManifestObject(1, 1, "v1", "ConfigMap", "c", "a", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"b"}}""");

        var failure = await Assert.ThrowsAsync<ClusterCallException>(() =>
            _client.ApplyAsync(target, [mismatched], FieldManager, NoAnnotations, CancellationToken.None));

        Assert.Equal(ClusterFailure.Invalid, failure.Failure);
        Assert.Equal($"{sim}: applying ConfigMap a/c: the API server refused it as invalid (400): "
                     + "the namespace of the provided object does not match the namespace sent on the request.", failure.Message);
    }

    [Fact]
    public async Task ApplyAsync_RefusesBeforeCallingTheServer_WhenANamespacedObjectHasNoNamespace()
    {
        var (target, sim) = NewCluster();
        var objects = Manifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: homeless}\n");

        var failure = await Assert.ThrowsAsync<ClusterCallException>(() =>
            _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None));

        Assert.Equal(ClusterFailure.Invalid, failure.Failure);
        Assert.StartsWith($"{sim}: applying ConfigMap/homeless: ConfigMap is a namespaced kind, but the object names no namespace.", failure.Message);
        Assert.DoesNotContain(fleet.Fleet.RequestLog(sim), r => r.Method == "PATCH");
    }

    [Fact]
    public async Task ApplyAsync_ConvergesWithOnePodPerNode_WhenADaemonSetIsApplied()
    {
        var (target, _) = NewCluster(nodes: 5);
        var objects = Manifests.Parse("""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: log-agent, namespace: kube-system}
            spec:
              selector: {matchLabels: {app: log-agent}}
              template:
                metadata: {labels: {app: log-agent}}
                spec:
                  containers: [{name: agent, image: "log-agent:3.1"}]
            """);

        await _client.ApplyAsync(target, objects, FieldManager, NoAnnotations, CancellationToken.None);
        var converged = await ConvergedAsync(target, objects[0].Ref);

        Assert.Equal(new WorkloadCounts(5, 5, 5, 5), converged.Counts);
        Assert.Equal("5/5 updated, 5/5 available", ConvergenceRules.Evaluate(converged).Summary);
    }

    [Fact]
    public async Task DeleteObjectAsync_RemovesTheObjectAndToleratesItsAbsence_WhenCalledTwice()
    {
        var (target, sim) = NewCluster();
        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);

        await _client.DeleteObjectAsync(target, Deployment, CancellationToken.None);
        await _client.DeleteObjectAsync(target, Deployment, CancellationToken.None);
        await _client.DeleteObjectAsync(target, new ObjectRef("example.com/v1", "Widget", "gone", "shop"), CancellationToken.None);

        Assert.Null(await _client.GetObjectAsync(target, Deployment, CancellationToken.None));
        Assert.Null(await fleet.Fleet.GetJsonAsync(sim, "/apis/apps/v1/namespaces/shop/deployments/shop"));
        Assert.Equal(new Convergence(false, "not found"), ConvergenceRules.Evaluate(await _client.GetObjectAsync(target, Deployment, CancellationToken.None)));
        Assert.NotNull(await fleet.Fleet.GetJsonAsync(sim, "/api/v1/namespaces/shop/configmaps/shop-config"));
    }

    [Fact]
    public async Task GetObjectAsync_ReturnsNull_WhenTheObjectOrItsKindDoesNotExist()
    {
        var (target, _) = NewCluster();

        Assert.Null(await _client.GetObjectAsync(target, new ObjectRef("apps/v1", "Deployment", "nope", "default"), CancellationToken.None));
        Assert.Null(await _client.GetObjectAsync(target, new ObjectRef("v1", "Namespace", "nope", null), CancellationToken.None));
        Assert.Null(await _client.GetObjectAsync(target, new ObjectRef("example.com/v1", "Widget", "nope", "default"), CancellationToken.None));
    }

    [Fact]
    public async Task WatchObjectAsync_ReturnsAsSoonAsTheDeploymentConverges_WithOneWatchRequest()
    {
        var (target, sim) = NewCluster();
        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);
        var watchesBefore = fleet.Fleet.RequestLog(sim).Count(r => r.Method == "GET");

        // FleetSim converges 200 ms after the apply: the watch ends then, long before its own 10 min limit.
        var live = await Eventually.WithinAsync(
            _client.WatchObjectAsync(target, Deployment, l => ConvergenceRules.Evaluate(l).Done, TimeSpan.FromMinutes(10), CancellationToken.None),
            TimeSpan.FromSeconds(30), "a watch on a Deployment that converges");

        Assert.True(ConvergenceRules.Evaluate(live).Done, ConvergenceRules.Evaluate(live).Summary);
        // One request did it (FleetSim logs a watch when its stream closes), not a poll loop.
        var gets = await Eventually.UntilAsync(() => Task.FromResult(fleet.Fleet.RequestLog(sim).Count(r => r.Method == "GET") - watchesBefore),
            count => count > 0, "the watch request in FleetSim's log", TimeSpan.FromSeconds(10));
        Assert.Equal(1, gets);
    }

    [Fact]
    public async Task WatchObjectAsync_ReturnsWhatItSawLast_WhenTheWaitOutlastsTheRequestTimeoutWithoutConverging()
    {
        var (target, _) = NewCluster();
        using var impatient = new KubernetesClusterClient(Options.Create(new ClusterClientOptions { RequestTimeout = TimeSpan.FromSeconds(1) }));
        await impatient.ApplyAsync(target, Objects(Shop("shop", "shop:2.0-broken"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);

        // A watch is one long request: it must outlive the per-request timeout meant for ordinary calls.
        var live = await impatient.WatchObjectAsync(target, Deployment, l => ConvergenceRules.Evaluate(l).Done, TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.StartsWith("waiting: 0/3 available (image shop:2.0-broken)", ConvergenceRules.Evaluate(live).Summary);
        Assert.Null(await impatient.WatchObjectAsync(target, new ObjectRef("apps/v1", "Deployment", "nope", "shop"), l => l is not null,
            TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_ShowsTheDeploymentToKubectl_WhenApplied()
    {
        var (target, sim) = NewCluster();
        await _client.ApplyAsync(target, Objects(Shop("shop", "shop:1.0"), "shop"), FieldManager, NoAnnotations, CancellationToken.None);
        await ConvergedAsync(target, Deployment);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"{sim}.kubeconfig.yaml");
        await File.WriteAllTextAsync(kubeconfig, fleet.Fleet.Kubeconfig(sim));
        try
        {
            var output = await new Kubectl(kubeconfig).SucceedAsync("get", "deploy", "-n", "shop");

            Assert.Matches(@"(?m)^shop\s+3/3\s+3\s+3\s", output);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    /// <summary>A fresh full cluster, so request logs and objects of one test never meet another's.</summary>
    private (ClusterTarget Target, string Name) NewCluster(int nodes = 3)
    {
        var name = $"apply-{Guid.NewGuid().ToString("N")[..8]}";
        fleet.Fleet.AddCluster(name, "test", "cn-hangzhou", "cn-hangzhou-a", tier: 3, nodes);
        return (new ClusterTarget(Guid.NewGuid(), name, fleet.Fleet.Kubeconfig(name), Context: ""), name);
    }

    private async Task<LiveObject> ConvergedAsync(ClusterTarget target, ObjectRef obj) =>
        (await Eventually.UntilAsync(
            () => _client.GetObjectAsync(target, obj, CancellationToken.None),
            live => ConvergenceRules.Evaluate(live).Done,
            $"{obj} to converge on {target.Name}",
            TimeSpan.FromSeconds(30)))!;
}
