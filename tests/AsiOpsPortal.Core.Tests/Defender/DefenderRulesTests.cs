using AsiOpsPortal.Core.Defender;

namespace AsiOpsPortal.Core.Tests.Defender;

public class DefenderRulesTests
{
    private static DefenderBudget Valid() => new()
    {
        Name = "prod-pods", Resources = ["pods"], Verbs = [DefenderVerbs.Delete], Limits = new() { ["1m"] = 3, ["24h"] = 100 },
    };

    [Fact]
    public void Validate_AcceptsABudgetWithAnySubsetOfWindows() => Assert.Empty(DefenderRules.Validate(Valid()));

    [Theory]
    [InlineData("Prod_Pods", "name:")]
    [InlineData("", "name:")]
    public void Validate_RefusesBadNames(string name, string field)
    {
        var budget = Valid();
        budget.Name = name;
        Assert.StartsWith(field, Assert.Single(DefenderRules.Validate(budget)));
    }

    [Fact]
    public void Validate_NamesEachFieldThatIsWrong()
    {
        var budget = Valid();
        budget.Resources = [];
        budget.Verbs = ["patch"];
        budget.Limits = new() { ["2m"] = 3, ["1h"] = 0 };
        budget.Breaker.CoolDownMinutes = -1;
        budget.Breaker.TripAfterRefusals = 10_001;
        budget.Breaker.RefusalWindow = "2h";

        var problems = DefenderRules.Validate(budget);

        Assert.Equal(
        [
            "resources: name at least one resource, e.g. [\"pods\"].",
            "verbs: 'patch' is not one of delete, eviction, scale-to-zero.",
            "limits: '2m' is not a window; windows are 1m, 5m, 1h, 24h.",
            "limits.1h: must be between 1 and 100,000 (was 0).",
            "breaker.coolDownMinutes: must be between 0 (an SRE closes it) and 10080 (was -1).",
            "breaker.tripAfterRefusals: must be between 0 (off) and 10,000 (was 10001).",
            "breaker.refusalWindow: '2h' is not a window; windows are 1m, 5m, 1h, 24h.",
        ], problems);
    }

    [Fact]
    public void Validate_WantsAtLeastOneLimit()
    {
        var budget = Valid();
        budget.Limits = [];
        Assert.StartsWith("limits: set at least one window's limit", Assert.Single(DefenderRules.Validate(budget)));
    }

    [Fact]
    public void Covers_NeedsResourceVerbAndEveryScopeListToMatch()
    {
        var budget = Valid();
        budget.Scope = new BudgetScope { Environments = ["prod"], Clusters = ["prod-1", "prod-2"], Labels = new() { ["team"] = "pay" }, Namespaces = ["web"] };
        var request = new AdmissionRequest("alice", "kubectl", DefenderVerbs.Delete, "pods", "web", "web-0", "prod-1", "prod",
            new Dictionary<string, string> { ["team"] = "pay", ["tier"] = "0" });

        Assert.True(DefenderRules.Covers(budget, request));
        Assert.False(DefenderRules.Covers(budget, request with { Verb = DefenderVerbs.Eviction }));
        Assert.False(DefenderRules.Covers(budget, request with { Resource = "configmaps" }));
        Assert.False(DefenderRules.Covers(budget, request with { Cluster = "prod-3" }));
        Assert.False(DefenderRules.Covers(budget, request with { Environment = "staging" }));
        Assert.False(DefenderRules.Covers(budget, request with { Namespace = "db" }));
        // A cluster-scoped object has no namespace: it is outside a budget limited to namespaces.
        Assert.False(DefenderRules.Covers(budget, request with { Namespace = null }));
        Assert.False(DefenderRules.Covers(budget, request with { ClusterLabels = new Dictionary<string, string> { ["team"] = "search" } }));
    }

    [Theory]
    [InlineData("kube-controller-manager/*", "kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/abc", true)]
    [InlineData("*argo*", "argocd-application-controller/v2.9", true)]
    [InlineData("kubectl/*", "KUBECTL/v1.32.0", true)]
    [InlineData("kubectl/*", "helm/v3.14", false)]
    public void AgentLimits_MatchUserAgentsByPattern(string pattern, string userAgent, bool matches)
    {
        var limit = new DefenderAgentLimit { Pattern = pattern, PerSecond = 1 };
        var request = new AdmissionRequest("u", userAgent, DefenderVerbs.Delete, "pods", "web", "p", "c", "prod", new Dictionary<string, string>());
        Assert.Equal(matches, AgentLimits.Matches(limit, request));
    }

    [Fact]
    public void AgentLimits_Validate_NamesTheField()
    {
        var problems = AgentLimits.Validate(new DefenderAgentLimit { Pattern = "", Verb = "patch", PerSecond = 0 });
        Assert.Equal(["pattern:", "verb:", "perSecond:"], problems.Select(p => p[..(p.IndexOf(':') + 1)]));
    }
}
