using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Tests;

/// <summary>FleetSim calls validating admission webhooks as kube-apiserver does; a local HTTPS receiver plays the webhook.</summary>
public sealed class AdmissionWebhookTests(FleetFixture fleet) : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private const string WebhookName = "defender.asiops.example.com";
    private const string DeniedBy = $"admission webhook \"{WebhookName}\" denied the request";

    private AdmissionReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await AdmissionReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    private sealed record Hook(string Path, string Operations = "[DELETE]", string Resources = "[pods]", string ApiGroups = "[\"\"]")
    {
        public string FailurePolicy { get; init; } = "Fail";
        public int TimeoutSeconds { get; init; } = 10;
        public string NamespaceSelector { get; init; } = "{}";
        public string ObjectSelector { get; init; } = "{}";
        public string? Url { get; init; }
        public string? CaBundle { get; init; }
    }

    private string Configuration(Hook hook) => $"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata:
          name: defender
        webhooks:
        - name: {WebhookName}
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: {hook.FailurePolicy}
          timeoutSeconds: {hook.TimeoutSeconds}
          clientConfig:
            url: {hook.Url ?? receiver.Url(hook.Path)}
            caBundle: {hook.CaBundle ?? receiver.CaBundle}
          rules:
          - operations: {hook.Operations}
            apiGroups: {hook.ApiGroups}
            apiVersions: ["*"]
            resources: {hook.Resources}
          namespaceSelector: {hook.NamespaceSelector}
          objectSelector: {hook.ObjectSelector}
        """;

    private string WriteManifest(string text)
    {
        var path = Path.Combine(fleet.Directory, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A fresh cluster guarded by <paramref name="hook"/>, installed with kubectl apply as an SRE would.</summary>
    private async Task<(string Cluster, Kubectl Kubectl)> GuardedClusterAsync(Hook hook)
    {
        var cluster = fleet.NewCluster();
        var kubectl = new Kubectl(fleet.KubeconfigPath(cluster));
        await kubectl.SucceedAsync("apply", "-f", WriteManifest(Configuration(hook)));
        return (cluster, kubectl);
    }

    /// <summary>Labelled config maps in default, created with one kubectl apply.</summary>
    private async Task CreateConfigMapsAsync(Kubectl kubectl, string labels, params string[] names) =>
        await kubectl.SucceedAsync("apply", "-f", WriteManifest(string.Join("\n---\n", names.Select(name => $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{name}}, namespace: default, labels: {{labels}}}
            """))));

    private static async Task<string> FirstWebPodAsync(Kubectl kubectl) =>
        (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")).Trim();

    private static async Task<string[]> WebPodsAsync(Kubectl kubectl) =>
        (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task KubectlDeletePod_IsRefusedWithTheWebhooksMessage_WhenTheWebhookDenies()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/deny/403"));
        var pod = await FirstWebPodAsync(kubectl);

        var result = await kubectl.RunAsync("delete", "pod", pod);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Error from server (Forbidden): {DeniedBy}: {AdmissionReceiver.DenialMessage}", result.Error);
        Assert.Contains(pod, await kubectl.SucceedAsync("get", "pods", "-o", "name"));
    }

    [Fact]
    public async Task KubectlDeletePod_ShowsTooManyRequests_WhenTheWebhookAnswers429()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/deny/429"));

        var result = await kubectl.RunAsync("delete", "pod", await FirstWebPodAsync(kubectl));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Error from server (TooManyRequests): {DeniedBy}: {AdmissionReceiver.DenialMessage}", result.Error);
    }

    [Fact]
    public async Task Denial429_CarriesRetryAfter_WhenTheWebhookSaysWhenToRetry()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/throttle/7"));
        var pod = await FirstWebPodAsync(kubectl);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", fleet.Simulator.Token(cluster));

        using var response = await http.DeleteAsync($"{fleet.Simulator.ServerUrl(cluster).TrimEnd('/')}/api/v1/namespaces/default/pods/{pod}");

        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal(7, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["details"]!["retryAfterSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task Denial_SaysWithoutExplanation_WhenTheWebhookGivesNoStatus()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/silent"));

        var result = await kubectl.RunAsync("delete", "pod", await FirstWebPodAsync(kubectl));

        Assert.Contains($"{DeniedBy} without explanation", result.Error);
    }

    [Fact]
    public async Task KubectlDeletePod_ProceedsAndTheReviewDescribesIt_WhenTheWebhookAllows()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow"));
        var pod = await FirstWebPodAsync(kubectl);

        await kubectl.SucceedAsync("delete", "pod", pod, "--wait=false");

        Assert.DoesNotContain(pod, await kubectl.SucceedAsync("get", "pods", "-o", "name"));
        var review = Assert.Single(receiver.Reviews);
        Assert.True(Guid.TryParse(review.Str("uid"), out _));
        Assert.Equal("""{"group":"","version":"v1","kind":"Pod"}""", review["kind"]!.ToJsonString());
        Assert.Equal("""{"group":"","version":"v1","resource":"pods"}""", review["resource"]!.ToJsonString());
        Assert.Null(review["subResource"]);
        Assert.Equal(pod, review.Str("name"));
        Assert.Equal("default", review.Str("namespace"));
        Assert.Equal("DELETE", review.Str("operation"));
        Assert.Equal("kubernetes-admin", review.Str("userInfo", "username"));
        Assert.Equal("""["system:masters","system:authenticated"]""", review["userInfo"]!["groups"]!.ToJsonString());
        Assert.StartsWith("kubectl/", review["userInfo"]!["extra"]!["user-agent"]![0]!.GetValue<string>());
        Assert.Equal(pod, review.Str("oldObject", "metadata", "name"));
        Assert.Null(review["object"]);
        Assert.False(review["dryRun"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TheApiServerPresentsItsWebhookToken_OnlyToTheServerItIsConfiguredFor()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/allow"));
        using var admin = new HttpClient { BaseAddress = new Uri(fleet.Simulator.BaseUrl) };
        var pods = await WebPodsAsync(kubectl);

        await kubectl.SucceedAsync("delete", "pod", pods[0], "--wait=false");
        (await admin.PutAsJsonAsync($"/admin/clusters/{cluster}/webhook-credentials",
            new[] { new { server = $"127.0.0.1:{receiver.Port}", token = "cluster-secret" } })).EnsureSuccessStatusCode();
        await kubectl.SucceedAsync("delete", "pod", pods[1], "--wait=false");
        (await admin.PutAsJsonAsync($"/admin/clusters/{cluster}/webhook-credentials",
            new[] { new { server = "127.0.0.1:1", token = "for-another-server" } })).EnsureSuccessStatusCode();
        await kubectl.SucceedAsync("delete", "pod", pods[2], "--wait=false");

        Assert.Equal([null, "Bearer cluster-secret", null], receiver.Authorizations);
        Assert.Contains("127.0.0.1:1", await admin.GetStringAsync($"/admin/clusters/{cluster}/webhook-credentials"));
        Assert.DoesNotContain("for-another-server", await admin.GetStringAsync($"/admin/clusters/{cluster}/webhook-credentials"));
    }

    [Fact]
    public async Task KubectlDeletePod_ShowsTheWebhooksWarning_WhenItAllowsWithOne()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/warn"));

        var result = await kubectl.RunAsync("delete", "pod", await FirstWebPodAsync(kubectl), "--wait=false");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"Warning: {AdmissionReceiver.Warning}", result.Error);
    }

    [Fact]
    public async Task ServerDryRun_CallsTheWebhookWithDryRunAndKeepsThePod()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow"));
        var pod = await FirstWebPodAsync(kubectl);

        await kubectl.SucceedAsync("delete", "pod", pod, "--dry-run=server");

        Assert.True(Assert.Single(receiver.Reviews)["dryRun"]!.GetValue<bool>());
        Assert.Contains(pod, await kubectl.SucceedAsync("get", "pods", "-o", "name"));
    }

    [Fact]
    public async Task Eviction_IsReviewedAsCreateOfPodsEviction_WhenSentWithKubernetesClient()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/deny/429", "[CREATE]", "[pods/eviction]"));
        var pod = await FirstWebPodAsync(kubectl);
        var client = fleet.Client(cluster);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodEvictionAsync(
            new V1Eviction { Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = "default" } }, pod, "default"));

        Assert.Equal(429, (int)error.Response.StatusCode);
        Assert.Equal($"{DeniedBy}: {AdmissionReceiver.DenialMessage}", JsonNode.Parse(error.Response.Content).Str("message"));
        var review = Assert.Single(receiver.Reviews);
        Assert.Equal("CREATE", review.Str("operation"));
        Assert.Equal("pods", review.Str("resource", "resource"));
        Assert.Equal("eviction", review.Str("subResource"));
        Assert.Equal("Eviction", review.Str("kind", "kind"));
        Assert.Equal("policy", review.Str("kind", "group"));
        Assert.Equal(pod, review.Str("name"));
        Assert.Equal(pod, review.Str("object", "metadata", "name"));
        Assert.Null(review["oldObject"]);
        Assert.NotNull(await client.CoreV1.ReadNamespacedPodAsync(pod, "default"));
    }

    [Fact]
    public async Task KubectlDrain_SendsEachEvictionToTheWebhook_WhenItAllows()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow", "[CREATE, DELETE]", "[\"pods/*\"]"));
        var node = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).Trim();

        var output = await kubectl.SucceedAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data");

        Assert.Contains($"node/{node} drained", output);
        Assert.NotEmpty(receiver.Reviews);
        Assert.All(receiver.Reviews, r => Assert.Equal(("CREATE", "eviction"), (r.Str("operation"), r.Str("subResource"))));
    }

    [Fact]
    public async Task KubectlDrainServerDryRun_SendsDryRunEvictionsAndEvictsNothing()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow", "[CREATE]", "[pods/eviction]"));
        var node = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).Trim();
        var before = await kubectl.SucceedAsync("get", "pods", "-A", "--field-selector", $"spec.nodeName={node}", "-o", "name");

        await kubectl.SucceedAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--dry-run=server");

        Assert.NotEmpty(receiver.Reviews);
        Assert.All(receiver.Reviews, r => Assert.True(r["dryRun"]!.GetValue<bool>()));
        Assert.Equal(before, await kubectl.SucceedAsync("get", "pods", "-A", "--field-selector", $"spec.nodeName={node}", "-o", "name"));
    }

    [Fact]
    public async Task Matching_SendsOnlyRequestsInSelectedNamespacesAndResources()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/deny/403", Resources: "[pods]") { NamespaceSelector = "{matchLabels: {team: payments}}" });
        await kubectl.SucceedAsync("apply", "-f", WriteManifest("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: payments, labels: {team: payments}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: ledger, namespace: payments}
            spec: {containers: [{name: ledger, image: "ledger:1"}]}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ledger-config, namespace: payments}
            """));

        await kubectl.SucceedAsync("delete", "pod", await FirstWebPodAsync(kubectl), "--wait=false");
        await kubectl.SucceedAsync("delete", "configmap", "ledger-config", "-n", "payments");
        var refused = await kubectl.RunAsync("delete", "pod", "ledger", "-n", "payments");

        Assert.Contains(DeniedBy, refused.Error);
        var review = Assert.Single(receiver.Reviews);
        Assert.Equal(("payments", "ledger"), (review.Str("namespace"), review.Str("name")));
    }

    [Fact]
    public async Task ObjectSelector_MatchesTheLabelsOfTheObjectBeingDeleted()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/deny/403", Resources: "[configmaps]") { ObjectSelector = "{matchLabels: {protected: \"true\"}}" });
        await CreateConfigMapsAsync(kubectl, "{}", "plain");
        await CreateConfigMapsAsync(kubectl, "{protected: \"true\"}", "guarded");

        await kubectl.SucceedAsync("delete", "configmap", "plain");
        var refused = await kubectl.RunAsync("delete", "configmap", "guarded");

        Assert.Contains(DeniedBy, refused.Error);
        Assert.Equal("guarded", Assert.Single(receiver.Reviews).Str("name"));
    }

    [Theory]
    [InlineData("unreachable", "Fail", "failed to call webhook: Post")]
    [InlineData("slow", "Fail", "context deadline exceeded")]
    [InlineData("error", "Fail", "failed to call webhook: an error on the server")]
    [InlineData("wrong-uid", "Fail", "expected response.uid=")]
    [InlineData("unreachable", "Ignore", null)]
    [InlineData("slow", "Ignore", null)]
    [InlineData("error", "Ignore", null)]
    public async Task FailedCall_RefusesWith500UnderFail_AndLetsTheRequestThroughUnderIgnore(string failure, string policy, string? expected)
    {
        var hook = new Hook("/" + failure) { FailurePolicy = policy, TimeoutSeconds = 1, Url = failure == "unreachable" ? "https://127.0.0.1:9/validate" : null };
        var (_, kubectl) = await GuardedClusterAsync(hook);
        var pod = await FirstWebPodAsync(kubectl);

        var result = await kubectl.RunAsync("delete", "pod", pod, "--wait=false");

        if (expected is null)
        {
            Assert.True(result.ExitCode == 0, result.All);
            return;
        }
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Error from server (InternalError): Internal error occurred: failed calling webhook \"{WebhookName}\": ", result.Error);
        Assert.Contains(expected, result.Error);
        Assert.Contains(pod, await kubectl.SucceedAsync("get", "pods", "-o", "name"));
    }

    [Fact]
    public async Task Call_Fails_WhenTheWebhooksCertificateIsNotSignedByTheCaBundle()
    {
        // Another CA (the simulator's own, from a kubeconfig) must not vouch for the receiver, even for 127.0.0.1.
        var otherCa = File.ReadAllLines(fleet.KubeconfigPath("test-hangzhou-01"))
            .Single(l => l.Trim().StartsWith("certificate-authority-data:", StringComparison.Ordinal)).Split(':')[1].Trim();
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow") { CaBundle = otherCa });

        var result = await kubectl.RunAsync("delete", "pod", await FirstWebPodAsync(kubectl));

        Assert.Contains($"failed calling webhook \"{WebhookName}\": failed to call webhook: Post", result.Error);
        Assert.Empty(receiver.Reviews);
    }

    [Fact]
    public async Task Reads_NeverCallTheWebhook_WhileWritesDo()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/allow", "[\"*\"]", "[\"*/*\"]", "[\"*\"]"));
        var client = fleet.Client(cluster);

        await kubectl.SucceedAsync("get", "pods", "-A");
        await kubectl.SucceedAsync("get", "deploy", "web", "-o", "yaml");
        await client.CoreV1.ListNodeAsync(limit: 2);
        Assert.Empty(receiver.Reviews);

        await CreateConfigMapsAsync(kubectl, "{}", "written");
        Assert.Equal(("CREATE", "written"), (Assert.Single(receiver.Reviews).Str("operation"), receiver.Reviews[0].Str("name")));
    }

    [Fact]
    public async Task Update_IsReviewedWithTheOldAndTheNewObject()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/allow", "[UPDATE]", "[deployments, deployments/scale]", "[apps]"));

        await kubectl.SucceedAsync("scale", "deploy", "web", "--replicas=5");
        await kubectl.SucceedAsync("label", "deploy", "web", "tier=front");

        var (scale, label) = (receiver.Reviews[0], receiver.Reviews[1]);
        Assert.Equal(("scale", "Scale", 5L, 3L), (scale.Str("subResource"), scale.Str("kind", "kind"), scale.Long("object", "spec", "replicas"), scale.Long("oldObject", "spec", "replicas")));
        Assert.Equal("front", label.Str("object", "metadata", "labels", "tier"));
        Assert.Null(label.Str("oldObject", "metadata", "labels", "tier"));
    }

    [Fact]
    public async Task DeleteCollection_SendsOneReviewPerObject()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/allow", Resources: "[configmaps]"));
        await CreateConfigMapsAsync(kubectl, "{batch: \"1\"}", "batch-a", "batch-b", "batch-c");
        var client = fleet.Client(cluster);

        await client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "batch=1");

        Assert.Equal(["batch-a", "batch-b", "batch-c"], receiver.Reviews.Select(r => r.Str("name")));
        Assert.All(receiver.Reviews, r => Assert.Equal("DELETE", r.Str("operation")));
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "batch=1")).Items);
    }

    [Fact]
    public async Task DeleteCollection_StopsAtTheFirstRefusal_KeepingWhatWasNotYetDeleted()
    {
        var (cluster, kubectl) = await GuardedClusterAsync(new Hook("/deny/403", Resources: "[configmaps]"));
        await CreateConfigMapsAsync(kubectl, "{batch: \"1\"}", "batch-a", "batch-b");
        var client = fleet.Client(cluster);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "batch=1"));

        Assert.Equal(403, (int)error.Response.StatusCode);
        Assert.Equal("batch-a", Assert.Single(receiver.Reviews).Str("name"));
        Assert.Equal(2, (await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "batch=1")).Items.Count);
    }

    [Fact]
    public async Task Configuration_IsListedAndDeletable_AndItsOwnChangesAreNeverReviewed()
    {
        var (_, kubectl) = await GuardedClusterAsync(new Hook("/deny/403", "[\"*\"]", "[\"*\"]", "[\"*\"]"));

        Assert.Contains("validatingwebhookconfigurations", await kubectl.SucceedAsync("api-resources", "--api-group=admissionregistration.k8s.io"));
        Assert.Matches(@"defender\s+1\s+", await kubectl.SucceedAsync("get", "validatingwebhookconfigurations"));
        await kubectl.SucceedAsync("delete", "validatingwebhookconfiguration", "defender");

        Assert.Empty(receiver.Reviews);
        await CreateConfigMapsAsync(kubectl, "{}", "free-again");
    }

    [Fact]
    public async Task Configuration_IsRejectedNamingTheField_WhenItIsInvalid()
    {
        var kubectl = new Kubectl(fleet.KubeconfigPath(fleet.NewCluster()));
        var invalid = Configuration(new Hook("/allow") { TimeoutSeconds = 31 }).Replace("sideEffects: None", "sideEffects: Some");

        var result = await kubectl.RunAsync("apply", "-f", WriteManifest(invalid));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("webhooks[0].sideEffects: Unsupported value: \"Some\"", result.Error);
        Assert.Contains("webhooks[0].timeoutSeconds: Invalid value: 31", result.Error);
        Assert.DoesNotContain("defender", await kubectl.SucceedAsync("get", "validatingwebhookconfigurations"));
    }
}
