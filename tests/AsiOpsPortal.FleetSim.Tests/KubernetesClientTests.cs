using k8s;
using k8s.Models;

namespace AsiOpsPortal.FleetSim.Tests;

public sealed class KubernetesClientTests(FleetFixture fleet) : IClassFixture<FleetFixture>
{
    private static V1Deployment Deployment(string name, string image, int replicas = 2) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = image }] },
            },
        },
    };

    private static Task<V1Deployment> ApplyAsync(Kubernetes client, V1Deployment deployment, string manager, bool force = false) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(KubernetesJson.Serialize(deployment), V1Patch.PatchType.ApplyPatch),
            deployment.Metadata.Name, "default", fieldManager: manager, force: force);

    private static async Task<V1Deployment> WaitForAsync(Kubernetes client, string name, Func<V1Deployment, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, "default");
            if (condition(d) || DateTime.UtcNow > deadline) return d;
            await Task.Delay(50);
        }
    }

    /// <summary>Polls discovery until <paramref name="resource"/> is served in group/version, failing after a generous bound.</summary>
    private static async Task EstablishedAsync(Kubernetes client, string group, string version, string resource)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                if ((await client.CustomObjects.GetAPIResourcesAsync(group, version)).Resources.Any(r => r.Name == resource)) return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound) { }
            Assert.True(DateTime.UtcNow < deadline, $"{resource}.{group}/{version} was never served.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ListNode_ReturnsEveryNodeExactlyOnce_WhenPagingWithLimitAndContinue()
    {
        var info = fleet.Simulator.Clusters.MaxBy(c => c.NodeCount)!;
        using var client = fleet.Client(info.Name);
        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await client.CoreV1.ListNodeAsync(limit: 37, continueParameter: next);
            seen.AddRange(page.Items.Select(n => n.Metadata.Name));
            next = page.Metadata.ContinueProperty;
            pages++;
        } while (!string.IsNullOrEmpty(next));

        Assert.Equal(info.NodeCount, seen.Count);
        Assert.Equal(info.NodeCount, seen.Distinct().Count());
        Assert.Equal((info.NodeCount + 36) / 37, pages);
    }

    [Fact]
    public async Task ListNode_FiltersByLabels_WhenSelectorGiven()
    {
        var info = fleet.Simulator.Clusters.First(c => c.Name == "prod-hangzhou-01");
        using var client = fleet.Client(info.Name);

        var gpu = await client.CoreV1.ListNodeAsync(labelSelector: "asiops.io/pool=gpu");
        var notGpu = await client.CoreV1.ListNodeAsync(labelSelector: "asiops.io/pool notin (gpu),kubernetes.io/os");
        var system = await client.CoreV1.ListNodeAsync(labelSelector: "asiops.io/pool in (system)");
        var none = await client.CoreV1.ListNodeAsync(labelSelector: "!kubernetes.io/hostname");

        Assert.NotEmpty(gpu.Items);
        Assert.All(gpu.Items, n => Assert.Equal("gpu", n.Metadata.Labels["asiops.io/pool"]));
        Assert.Equal(info.NodeCount, gpu.Items.Count + notGpu.Items.Count);
        Assert.Equal(2, system.Items.Count);
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task PatchNamespacedDeployment_CreatesThenConflicts_WhenAnotherManagerAppliesWithoutForce()
    {
        using var client = fleet.Client(fleet.NewCluster());

        var created = await ApplyAsync(client, Deployment("api", "registry.asiops.io/api:1.0.0"), "portal");
        var conflict = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            ApplyAsync(client, Deployment("api", "registry.asiops.io/api:1.1.0"), "someone-else"));
        var forced = await ApplyAsync(client, Deployment("api", "registry.asiops.io/api:1.1.0"), "someone-else", force: true);

        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(conflict.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Contains("conflict with \"portal\"", status.Message);
        Assert.Equal("registry.asiops.io/api:1.1.0", forced.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, forced.Metadata.Generation);
        Assert.Contains(forced.Metadata.ManagedFields, m => m.Manager == "someone-else" && m.Operation == "Apply");
    }

    [Fact]
    public async Task CreateAndApply_AreRefusedWithNotFound_UntilTheNamespaceExists()
    {
        using var client = fleet.Client(fleet.NewCluster());
        var config = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "flags", NamespaceProperty = "shop" } };

        var created = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(config, "shop"));
        var applied = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch(KubernetesJson.Serialize(config), V1Patch.PatchType.ApplyPatch), "flags", "shop", fieldManager: "portal"));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "shop" } });
        await client.CoreV1.CreateNamespacedConfigMapAsync(config, "shop");

        foreach (var refused in (k8s.Autorest.HttpOperationException[])[created, applied])
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, refused.Response.StatusCode);
            Assert.Equal("namespaces \"shop\" not found", KubernetesJson.Deserialize<V1Status>(refused.Response.Content).Message);
        }
        Assert.Equal("flags", (await client.CoreV1.ReadNamespacedConfigMapAsync("flags", "shop")).Metadata.Name);
    }

    [Fact]
    public async Task NewCrd_IsServedOnlyOnceEstablished_AndUnknownKindsAreNeverServed()
    {
        using var client = fleet.Client(fleet.NewCluster());
        var crd = new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1", Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = "gizmos.example.com" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com", Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "gizmos", Kind = "Gizmo" },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true }],
            },
        };
        var gizmo = new Dictionary<string, object> { ["apiVersion"] = "example.com/v1", ["kind"] = "Gizmo", ["metadata"] = new Dictionary<string, object> { ["name"] = "g1" } };
        var unknown = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(gizmo, "example.com", "v1", "default", "gizmos"));

        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        var establishing = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(gizmo, "example.com", "v1", "default", "gizmos"));
        // As a real client does, wait for discovery to serve the new resource: the CRD is established when it is listed there.
        await EstablishedAsync(client, "example.com", "v1", "gizmos");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(gizmo, "example.com", "v1", "default", "gizmos");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.Response.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, establishing.Response.StatusCode);
    }

    [Fact]
    public async Task Deployment_ConvergesAfterDelay_WhenImageChanges()
    {
        using var client = fleet.Client(fleet.NewCluster());
        await ApplyAsync(client, Deployment("web", "nginx:1.28.0", replicas: 3), "portal", force: true);

        var before = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        var after = await WaitForAsync(client, "web", d => d.Status.ObservedGeneration == d.Metadata.Generation);
        var pods = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web");

        Assert.NotEqual(before.Metadata.Generation, before.Status.ObservedGeneration);
        Assert.Equal(after.Metadata.Generation, after.Status.ObservedGeneration);
        Assert.Equal(3, after.Status.UpdatedReplicas);
        Assert.Equal(3, after.Status.AvailableReplicas);
        Assert.Equal(3, pods.Items.Count);
        Assert.All(pods.Items, p => Assert.Equal("nginx:1.28.0", p.Spec.Containers[0].Image));
        Assert.All(pods.Items, p => Assert.Equal("Running", p.Status.Phase));
    }

    [Fact]
    public async Task Deployment_NeverBecomesAvailable_WhenImageIsBroken()
    {
        using var client = fleet.Client(fleet.NewCluster());
        await ApplyAsync(client, Deployment("web", "nginx:1.28.0-broken", replicas: 3), "portal", force: true);

        var stuck = await WaitForAsync(client, "web", d =>
            d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded") == true);

        Assert.Equal(stuck.Metadata.Generation, stuck.Status.ObservedGeneration);
        Assert.Equal(0, stuck.Status.AvailableReplicas ?? 0);
        Assert.Contains(stuck.Status.Conditions, c => c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded");
        Assert.Contains(stuck.Status.Conditions, c => c.Type == "Available" && c.Status == "False");
    }

    [Fact]
    public async Task Watch_StreamsExistingThenModifiedObjects_WhenDeploymentIsScaled()
    {
        using var client = fleet.Client(fleet.NewCluster());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<(WatchEventType Type, V1Deployment Object)>();

        var scaled = false;
        await foreach (var (type, deployment) in client.AppsV1.WatchListNamespacedDeploymentAsync("default", timeoutSeconds: 5, cancellationToken: cancel.Token))
        {
            events.Add((type, deployment));
            if (!scaled)
            {
                scaled = true;
                var patch = new V1Patch("{\"spec\":{\"replicas\":5}}", V1Patch.PatchType.MergePatch);
                await client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default");
            }
            if (type == WatchEventType.Modified && deployment.Status?.ReadyReplicas == 5) break;
        }

        Assert.Equal((WatchEventType.Added, "web"), (events[0].Type, events[0].Object.Metadata.Name));
        Assert.Contains(events, e => e.Type == WatchEventType.Modified && e.Object.Spec.Replicas == 5);
        Assert.Equal(5, events[^1].Object.Status.AvailableReplicas);
    }

    [Fact]
    public async Task ListNamespacedPod_Works_WhenClientUsesPlainHttpServerUrlAndToken()
    {
        var cluster = "test-beijing-01";
        using var client = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = fleet.Simulator.ServerUrl(cluster),
            AccessToken = fleet.Simulator.Token(cluster),
        });

        var pods = await client.CoreV1.ListNamespacedPodAsync("kube-system", fieldSelector: "status.phase=Running");
        var version = await client.Version.GetCodeAsync();

        Assert.Contains(pods.Items, p => p.Metadata.Name.StartsWith("coredns-", StringComparison.Ordinal));
        Assert.Equal(fleet.Simulator.Clusters.First(c => c.Name == cluster).KubernetesVersion, version.GitVersion);
    }
}
