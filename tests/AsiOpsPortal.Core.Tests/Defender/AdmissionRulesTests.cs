using AsiOpsPortal.Core.Defender;

namespace AsiOpsPortal.Core.Tests.Defender;

public class AdmissionRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static AdmissionRequest Delete(string resource = "pods", string ns = "web", string cluster = "prod-1", string environment = "prod",
        string userAgent = "kubectl/v1.32.0", string verb = DefenderVerbs.Delete) =>
        new("alice", userAgent, verb, resource, ns, "web-0", cluster, environment, new Dictionary<string, string> { ["team"] = "pay" });

    private static BudgetAccount Budget(string name, Dictionary<string, int> limits, BudgetMode mode = BudgetMode.Enforce,
        bool trip = false, int coolDown = 0, BudgetScope? scope = null, string resource = "pods", int tripAfter = 0, string refusalWindow = "1m")
    {
        var budget = new DefenderBudget
        {
            Name = name, Resources = [resource], Verbs = [DefenderVerbs.Delete, DefenderVerbs.Eviction], Limits = limits, Mode = mode,
            Scope = scope ?? new BudgetScope(), Breaker = new BreakerSettings { TripOnExhaustion = trip, CoolDownMinutes = coolDown, TripAfterRefusals = tripAfter, RefusalWindow = refusalWindow },
        };
        return new BudgetAccount(budget, new DefenderState { Id = budget.Id });
    }

    /// <summary>Decides and, like the store, keeps the written states for the next decision.</summary>
    private static AdmissionVerdict Decide(List<BudgetAccount> accounts, DateTimeOffset at, AdmissionRequest? request = null, List<AgentAccount>? agents = null)
    {
        var verdict = AdmissionRules.Decide(request ?? Delete(), accounts, agents ?? [], at);
        foreach (var state in verdict.Changed)
        {
            var i = accounts.FindIndex(a => a.State.Id == state.Id);
            if (i >= 0) accounts[i] = accounts[i] with { State = state };
            else if (agents?.FindIndex(a => a.State.Id == state.Id) is { } j and >= 0) agents[j] = agents[j] with { State = state };
        }
        return verdict;
    }

    [Fact]
    public void Decide_AllowsTheLimit_ThenRefusesNamingBudgetWindowUseAndRefill()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1m"] = 3 }) };
        for (var i = 0; i < 3; i++) Assert.True(Decide(accounts, T0.AddSeconds(i)).Allowed);

        var refused = Decide(accounts, T0.AddSeconds(5));

        Assert.False(refused.Allowed);
        Assert.Equal(403, refused.Code);
        Assert.Equal(("prod-pods", "1m"), (refused.Budget, refused.Window));
        Assert.Equal("Refused: defender budget 'prod-pods' has no token left in its 1m window (3/3 used); the next token is back at 2026-12-03T10:01:00Z (in 55 s).",
            refused.Message);
        Assert.Equal(TimeSpan.FromSeconds(55), refused.RetryAfter);
        Assert.Empty(refused.Changed);
        Assert.True(Decide(accounts, T0.AddSeconds(60)).Allowed);
    }

    [Fact]
    public void Decide_SpendsInEveryWindowOfEveryCoveringBudget()
    {
        var accounts = new List<BudgetAccount> { Budget("fleet", new() { ["1m"] = 10, ["1h"] = 20 }), Budget("prod", new() { ["5m"] = 5 }) };

        Assert.True(Decide(accounts, T0).Allowed);

        Assert.Equal([T0.UtcTicks], accounts[0].State.Spends["1m"]);
        Assert.Equal([T0.UtcTicks], accounts[0].State.Spends["1h"]);
        Assert.Equal([T0.UtcTicks], accounts[1].State.Spends["5m"]);
    }

    [Fact]
    public void Decide_SpendsNothingAnywhere_WhenOneBudgetRefuses()
    {
        var accounts = new List<BudgetAccount> { Budget("roomy", new() { ["1m"] = 100 }), Budget("tight", new() { ["1h"] = 1 }) };
        Assert.True(Decide(accounts, T0).Allowed);

        var refused = Decide(accounts, T0.AddSeconds(1));

        Assert.False(refused.Allowed);
        Assert.Equal("tight", refused.Budget);
        Assert.Empty(refused.Changed);
        Assert.Single(accounts[0].State.Spends["1m"]);
    }

    [Fact]
    public void Decide_LeavesBudgetsAlone_ThatTheRequestFallsOutside()
    {
        var accounts = new List<BudgetAccount>
        {
            Budget("staging", new() { ["1m"] = 1 }, scope: new BudgetScope { Environments = ["staging"] }),
            Budget("deployments", new() { ["1m"] = 1 }, resource: "deployments"),
            Budget("kube-system", new() { ["1m"] = 1 }, scope: new BudgetScope { Namespaces = ["kube-system"] }),
            Budget("other-team", new() { ["1m"] = 1 }, scope: new BudgetScope { Labels = new() { ["team"] = "search" } }),
        };
        Assert.True(Decide(accounts, T0).Allowed);
        Assert.True(Decide(accounts, T0).Allowed);
        Assert.All(accounts, a => Assert.Empty(a.State.Spends));
    }

    [Fact]
    public void Decide_InShadowMode_NeverRefuses_ButSaysWhatEnforcingWouldHaveDone()
    {
        var accounts = new List<BudgetAccount> { Budget("tuning", new() { ["1m"] = 2 }, BudgetMode.Shadow, trip: true) };
        Assert.True(Decide(accounts, T0).Allowed);
        Assert.True(Decide(accounts, T0).Allowed);

        var third = Decide(accounts, T0.AddSeconds(1));

        Assert.True(third.Allowed);
        Assert.True(third.WouldRefuse);
        Assert.Equal(("tuning", "1m"), (third.Budget, third.Window));
        Assert.StartsWith("Allowed; shadow mode: defender budget 'tuning' has no token left in its 1m window (2/2 used)", third.Message);
        // As enforcing would have: the refused request spends nothing, and no breaker opens.
        Assert.Equal(2, accounts[0].State.Spends["1m"].Count);
        Assert.Null(accounts[0].State.BreakerOpenedAt);
        Assert.Empty(third.Tripped);
    }

    [Fact]
    public void Decide_SpendsInEnforcingBudgets_WhenOnlyAShadowBudgetWouldRefuse()
    {
        var accounts = new List<BudgetAccount> { Budget("shadow", new() { ["1m"] = 1 }, BudgetMode.Shadow), Budget("enforced", new() { ["1m"] = 10 }) };
        Decide(accounts, T0);

        var second = Decide(accounts, T0);

        Assert.True(second is { Allowed: true, WouldRefuse: true });
        Assert.Single(accounts[0].State.Spends["1m"]);
        Assert.Equal(2, accounts[1].State.Spends["1m"].Count);
    }

    [Fact]
    public void Decide_OpensTheBreakerOnExhaustion_ThenRefusesEverythingInItsScope()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1m"] = 1 }, trip: true, scope: new BudgetScope { Environments = ["prod"] }) };
        Decide(accounts, T0);

        var tripping = Decide(accounts, T0.AddSeconds(1));

        Assert.False(tripping.Allowed);
        Assert.EndsWith("Breaker opened for 'prod-pods'.", tripping.Message);
        Assert.Equal(["prod-pods"], tripping.Tripped.Select(b => b.Name));
        Assert.Equal(T0.AddSeconds(1), accounts[0].State.BreakerOpenedAt);
        // Open, it refuses what the budget does not even count (deployments), long after the window refilled.
        var other = Decide(accounts, T0.AddHours(5), Delete(resource: "deployments"));
        Assert.False(other.Allowed);
        Assert.Equal("Refused: the breaker of defender budget 'prod-pods' has been open since 2026-12-03T10:00:01Z (window 1m spent (1/1)): every destructive operation in its scope is refused until an SRE closes it.",
            other.Message);
        Assert.True(Decide(accounts, T0.AddHours(5), Delete(environment: "staging")).Allowed);
    }

    [Fact]
    public void Decide_ClosesTheBreakerAfterItsCoolDown()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1m"] = 1 }, trip: true, coolDown: 10) };
        Decide(accounts, T0);
        Decide(accounts, T0);

        var open = Decide(accounts, T0.AddMinutes(10).AddTicks(-1));
        Assert.False(open.Allowed);
        Assert.Contains("until it closes by itself at 2026-12-03T10:10:00Z (in 1 s) or an SRE closes it", open.Message);
        Assert.Equal(TimeSpan.FromTicks(1), open.RetryAfter);
        Assert.True(Decide(accounts, T0.AddMinutes(10)).Allowed);
    }

    [Fact]
    public void Decide_OpensTheBreakerAtTheNthRefusalWithinItsWindow_NotBefore()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1h"] = 1 }, tripAfter: 3, refusalWindow: "5m") };
        Assert.True(Decide(accounts, T0).Allowed);
        Assert.Empty(Decide(accounts, T0.AddSeconds(1)).Tripped);
        Assert.Empty(Decide(accounts, T0.AddSeconds(2)).Tripped);
        Assert.Equal(2, accounts[0].State.Spends["refusals:5m"].Count);

        var third = Decide(accounts, T0.AddSeconds(3));

        Assert.Equal(["prod-pods"], third.Tripped.Select(b => b.Name));
        Assert.EndsWith("Breaker opened for 'prod-pods'.", third.Message);
        Assert.Equal("3 refusals within 5m (window 1h spent)", accounts[0].State.BreakerCause);
        Assert.False(accounts[0].State.Spends.ContainsKey("refusals:5m"));
    }

    [Fact]
    public void Decide_ForgetsRefusalsOlderThanTheRefusalWindow()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["24h"] = 1 }, tripAfter: 2, refusalWindow: "1m") };
        Decide(accounts, T0);
        Assert.Empty(Decide(accounts, T0.AddSeconds(1)).Tripped);

        // The first refusal leaves its window at exactly 10:01:01, so the second one then is the first again.
        Assert.Empty(Decide(accounts, T0.AddSeconds(61)).Tripped);
        Assert.Equal(["prod-pods"], Decide(accounts, T0.AddSeconds(120)).Tripped.Select(b => b.Name));
    }

    [Fact]
    public void Decide_KeepsTheRefusalCountAcrossSpends()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1m"] = 1 }, tripAfter: 2, refusalWindow: "1h") };
        Decide(accounts, T0);
        Assert.False(Decide(accounts, T0.AddSeconds(1)).Allowed);
        Assert.True(Decide(accounts, T0.AddMinutes(1)).Allowed);

        Assert.Equal(["prod-pods"], Decide(accounts, T0.AddMinutes(1).AddSeconds(1)).Tripped.Select(b => b.Name));
    }

    [Fact]
    public void Decide_DoesNotOpenTheBreaker_UnlessTheBudgetAsks()
    {
        var accounts = new List<BudgetAccount> { Budget("prod-pods", new() { ["1m"] = 1 }) };
        Decide(accounts, T0);
        Assert.Empty(Decide(accounts, T0).Tripped);
        Assert.True(Decide(accounts, T0.AddMinutes(1)).Allowed);
    }

    [Fact]
    public void Decide_AnswersTooManyRequests_WhenAnAgentIsOverItsRate()
    {
        var limit = new DefenderAgentLimit { Pattern = "runaway-controller/*", Resource = "pods", Verb = DefenderVerbs.Delete, PerSecond = 2 };
        var agents = new List<AgentAccount> { new(limit, new DefenderState { Id = limit.Id }) };
        var runaway = Delete(userAgent: "Runaway-Controller/v0.3 (linux/amd64)");
        Assert.True(Decide([], T0, runaway, agents).Allowed);
        Assert.True(Decide([], T0.AddMilliseconds(100), runaway, agents).Allowed);
        Assert.True(Decide([], T0.AddMilliseconds(200), Delete(), agents).Allowed);

        var third = Decide([], T0.AddMilliseconds(300), runaway, agents);

        Assert.False(third.Allowed);
        Assert.Equal(429, third.Code);
        Assert.Equal(TimeSpan.FromMilliseconds(700), third.RetryAfter);
        Assert.Contains("at most 2 times per second", third.Message);
        Assert.Contains("retry in 1 s", third.Message);
        Assert.True(Decide([], T0.AddSeconds(1), runaway, agents).Allowed);
    }

    [Fact]
    public void Decide_SpendsNoAgentToken_WhenABudgetRefuses()
    {
        var limit = new DefenderAgentLimit { Pattern = "*", PerSecond = 5 };
        var agents = new List<AgentAccount> { new(limit, new DefenderState { Id = limit.Id }) };
        var accounts = new List<BudgetAccount> { Budget("one", new() { ["1m"] = 1 }) };
        Decide(accounts, T0, agents: agents);

        Assert.False(Decide(accounts, T0, agents: agents).Allowed);
        Assert.Single(agents[0].State.Spends[AgentLimits.Window]);
    }
}
