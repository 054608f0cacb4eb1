using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Risk;

namespace AsiOpsPortal.Core.Tests.Defender;

public class DefenderComponentTests
{
    private const string CaBundle = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=";

    private static JsonObject Configuration(string baseUrl = "https://portal.example.com:5443/")
    {
        var only = Assert.Single(Manifests.Parse(DefenderComponent.Manifests(baseUrl, CaBundle)));
        Assert.Equal(("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "asiops-defender"), (only.ApiVersion, only.Kind, only.Name));
        return JsonNode.Parse(only.Json)!.AsObject();
    }

    private static JsonObject Webhook(string name) =>
        Configuration()["webhooks"]!.AsArray().Select(w => w!.AsObject()).Single(w => w["name"]!.GetValue<string>() == $"{name}.defender.asiops.io");

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToList();

    private static List<string> Rules(JsonObject webhook) => webhook["rules"]!.AsArray()
        .Select(r => $"{Strings(r!["operations"]).Single()} {Strings(r["apiGroups"]).Single()}/{string.Join(",", Strings(r["resources"]))}").ToList();

    [Fact]
    public void Manifests_CallTheWebhookOfTheClusterItIsAppliedTo_TrustingTheGivenCertificate()
    {
        var webhooks = Configuration()["webhooks"]!.AsArray();

        Assert.Equal(3, webhooks.Count);
        Assert.All(webhooks, w =>
        {
            Assert.Equal("https://portal.example.com:5443/admission/v1/defender/${ASIOPS_CLUSTER}", w!["clientConfig"]!["url"]!.GetValue<string>());
            Assert.Equal(CaBundle, w["clientConfig"]!["caBundle"]!.GetValue<string>());
            Assert.Equal("NoneOnDryRun", w["sideEffects"]!.GetValue<string>());
            Assert.Equal(["v1"], Strings(w["admissionReviewVersions"]));
            Assert.Equal(5, w["timeoutSeconds"]!.GetValue<int>());
        });
        var applied = Manifests.Parse(DefenderComponent.Manifests("https://portal.example.com:5443", CaBundle)).Single().ForCluster("prod-hz-01");
        Assert.Contains("https://portal.example.com:5443/admission/v1/defender/prod-hz-01\"", applied.Json);
    }

    [Fact]
    public void Manifests_RefuseDeletesOfProtectedKinds_WhenTheDefenderCannotBeAsked()
    {
        var deletes = Webhook("deletes");

        Assert.Equal("Fail", deletes["failurePolicy"]!.GetValue<string>());
        Assert.Equal(["DELETE /pods,services,nodes,namespaces,persistentvolumeclaims", "DELETE apps/deployments,statefulsets,daemonsets,replicasets"], Rules(deletes));
        var evictions = Webhook("evictions");
        Assert.Equal("Fail", evictions["failurePolicy"]!.GetValue<string>());
        Assert.Equal(["CREATE /pods/eviction"], Rules(evictions));
    }

    [Fact]
    public void Manifests_LetUpdatesThrough_WhenTheDefenderCannotBeAsked()
    {
        var updates = Webhook("scale-to-zero");

        Assert.Equal("Ignore", updates["failurePolicy"]!.GetValue<string>());
        Assert.Equal(["UPDATE apps/deployments,statefulsets,replicasets,deployments/scale,statefulsets/scale,replicasets/scale"], Rules(updates));
    }

    [Fact]
    public void Manifests_LeaveTheGarbageCollectorAndNamespaceControllerOut_OnEveryWebhook()
    {
        Assert.All(Configuration()["webhooks"]!.AsArray(), w => Assert.Equal(
            [
                "request.userInfo.username != 'system:serviceaccount:kube-system:generic-garbage-collector'",
                "request.userInfo.username != 'system:serviceaccount:kube-system:namespace-controller'",
            ],
            w!["matchConditions"]!.AsArray().Select(c => c!["expression"]!.GetValue<string>())));
    }

    private static ClusterFacts Cluster(string name, string environment, int tier, string region) =>
        new(Guid.NewGuid(), name, environment, region, "", tier, new Dictionary<string, string>());

    /// <summary>The demo fleet's shape: per region a tier-0 and two tier-1 prod clusters, two staging, three test.</summary>
    private static List<ClusterFacts> Fleet() => new[] { "hangzhou", "shanghai", "beijing" }.SelectMany(region => new[]
    {
        Cluster($"prod-{region}-01", "prod", 0, region), Cluster($"prod-{region}-02", "prod", 1, region), Cluster($"prod-{region}-03", "prod", 1, region),
        Cluster($"staging-{region}-01", "staging", 2, region), Cluster($"staging-{region}-02", "staging", 2, region),
        Cluster($"test-{region}-01", "test", 3, region), Cluster($"test-{region}-02", "test", 3, region), Cluster($"test-{region}-03", "test", 3, region),
    }).ToList();

    [Fact]
    public void InstallPipeline_GoesOneClusterAtATime_LeastCriticalFirst_AndTier0Last()
    {
        var pipeline = DefenderComponent.InstallPipeline(Fleet());

        Assert.Equal(24, pipeline.Waves.Count);
        Assert.All(pipeline.Waves, w => Assert.Equal([w.Name], w.Clusters));
        Assert.Equal([0], pipeline.Waves.Select((w, i) => (w, i)).Where(x => x.w.Canary).Select(x => x.i));
        Assert.Equal("test-beijing-01", pipeline.Waves[0].Name);
        Assert.Equal(["prod-beijing-01", "prod-hangzhou-01", "prod-shanghai-01"], pipeline.Waves.TakeLast(3).Select(w => w.Name));
        Assert.Empty(PipelineRules.Validate(pipeline.Name, pipeline.Waves, pipeline.Scope, Fleet()));
    }

    [Fact]
    public void InstallPipeline_PassesTheDefaultRiskRules_WithNoBlockingFinding()
    {
        var fleet = Fleet();
        var waves = DefenderComponent.InstallPipeline(fleet).Waves
            .Select(w => new RiskWave(w.Name, w.Canary, w.MinSuccessSeconds, [fleet.Single(c => c.Name == w.Name)])).ToList();

        var findings = RiskEvaluator.Evaluate(new RiskContext(waves, "Roll the change back.", "1.0.0", new HashSet<string>(), DateTimeOffset.UtcNow), []);

        Assert.DoesNotContain(findings, f => f.Severity == RuleSeverity.Blocking);
    }

    [Theory]
    [InlineData("", "1.0.0")]
    [InlineData("1.0.0", "1.0.1")]
    [InlineData("1.0.9,1.0.10,1.0.2", "1.0.11")]
    [InlineData("2.1.0,hand-made,3.0", "2.1.1")]
    public void NextVersion_IsThePatchAfterTheHighestThreePartVersion(string existing, string next) =>
        Assert.Equal(next, DefenderComponent.NextVersion(existing.Split(',', StringSplitOptions.RemoveEmptyEntries)));
}
