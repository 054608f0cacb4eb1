using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>
/// The defender's budgets on PostgreSQL: exact spending under concurrency from two portal processes, all or nothing across
/// budgets, the breaker's trip, close and cool-down, refusals in the audit trail, and the decisions' retention.
/// </summary>
public sealed class DefenderStoreTests : IAsyncLifetime
{
    private static readonly Actor Sre = new("bob", Roles.Sre);
    private static readonly Actor Admin = new("admin", Roles.Admin);
    private TestPostgres _db = null!;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync() => _db = await TestPostgres.CreateAsync("defender");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static AdmissionRequest Delete(int i, string resource = "pods", string environment = "prod") =>
        new($"deleter-{i % 7}", "kubectl/v1.32.0", DefenderVerbs.Delete, resource, "web", $"web-{i}", "prod-1", environment, new Dictionary<string, string>());

    private static BudgetRequest Budget(string name, Dictionary<string, int> limits, bool trip = false, int coolDown = 0, string mode = "enforce") =>
        new(name, new BudgetScopeRequest(["prod"], null, null, null), ["pods"], [DefenderVerbs.Delete], limits, new BreakerRequest(trip, coolDown), mode);

    [Fact]
    public async Task DecideAsync_AllowsExactlyTheLimit_To50ConcurrentDeletersFromTwoProcesses()
    {
        const int limit = 17;
        await using var first = new DefenderHost(_db, "first");
        await using var second = new DefenderHost(_db, "second");
        await first.Service.CreateAsync(Budget("prod-pods", new() { ["1h"] = limit, ["24h"] = 1000 }), Sre);
        // Both processes hold the budget in their caches before the race.
        await first.Store.DecideAsync(Delete(0, resource: "configmaps"));
        await second.Store.DecideAsync(Delete(0, resource: "configmaps"));

        using var start = new SemaphoreSlim(0);
        var deleters = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await (i % 2 == 0 ? first : second).Store.DecideAsync(Delete(i));
        })).ToList();
        start.Release(50);
        var verdicts = await Task.WhenAll(deleters);

        Assert.Equal(limit, verdicts.Count(v => v.Allowed));
        Assert.All(verdicts.Where(v => !v.Allowed), v => Assert.Equal(("prod-pods", "1h"), (v.Budget, v.Window)));
        await using var db = _db.CreateContext();
        Assert.Equal(limit, await db.DefenderDecisions.CountAsync(d => d.Resource == "pods" && d.Allowed));
        Assert.Equal(50 - limit, await db.DefenderDecisions.CountAsync(d => d.Resource == "pods" && !d.Allowed));
        var state = await db.DefenderStates.SingleAsync(s => s.Id == db.DefenderBudgets.Single().Id);
        Assert.Equal(limit, state.Spends["1h"].Count);
        Assert.Equal(limit, state.Spends["24h"].Count);
    }

    [Fact]
    public async Task DecideAsync_SpendsNothingAnywhere_WhenOneBudgetRefuses()
    {
        await using var host = new DefenderHost(_db, "portal", _clock);
        await host.Service.CreateAsync(Budget("roomy", new() { ["1m"] = 100 }), Sre);
        await host.Service.CreateAsync(Budget("tight", new() { ["5m"] = 1 }), Sre);
        Assert.True((await host.Store.DecideAsync(Delete(1))).Allowed);

        var refused = await host.Store.DecideAsync(Delete(2));

        Assert.False(refused.Allowed);
        Assert.Equal("tight", refused.Budget);
        var roomy = (await host.Service.GetAsync("roomy")).Windows.Single();
        Assert.Equal(1, roomy.Used);
    }

    [Fact]
    public async Task DecideAsync_RecordsRefusalsAndTripsInTheAuditTrail_AndTheBreakerClosesWithAReasonOrByItself()
    {
        await using var host = new DefenderHost(_db, "portal", _clock);
        await host.Service.CreateAsync(Budget("prod-pods", new() { ["1m"] = 1 }, trip: true, coolDown: 30), Sre);
        Assert.True((await host.Store.DecideAsync(Delete(1))).Allowed);

        var tripping = await host.Store.DecideAsync(Delete(2));
        Assert.False(tripping.Allowed);
        var view = await host.Service.GetAsync("prod-pods");
        Assert.True(view.BreakerOpen);
        Assert.Equal(_clock.GetUtcNow().AddMinutes(30), view.BreakerClosesAt);

        // Open, the breaker refuses even what the budget does not count, long after its window refilled.
        _clock.Advance(TimeSpan.FromMinutes(5));
        var byBreaker = await host.Store.DecideAsync(Delete(3, resource: "deployments"));
        Assert.False(byBreaker.Allowed);
        Assert.Contains("breaker of defender budget 'prod-pods'", byBreaker.Message);

        await Assert.ThrowsAsync<ValidationFailedException>(() => host.Service.CloseBreakerAsync("prod-pods", " ", Sre));
        await host.Service.CloseBreakerAsync("prod-pods", "runaway job stopped", Sre);
        Assert.True((await host.Store.DecideAsync(Delete(4))).Allowed);
        await Assert.ThrowsAsync<ConflictException>(() => host.Service.CloseBreakerAsync("prod-pods", "again", Sre));

        // Spent again, it opens again; this time it closes by itself after its cool-down.
        Assert.False((await host.Store.DecideAsync(Delete(5))).Allowed);
        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.True((await host.Store.DecideAsync(Delete(6))).Allowed);

        await using var db = _db.CreateContext();
        var events = await db.AuditEvents.Where(e => e.Action.StartsWith("defender")).OrderBy(e => e.Id).Select(e => new { e.Action, e.Actor, e.Target }).ToListAsync();
        Assert.Equal(
        [
            (AuditActions.DefenderBudgetCreated, "bob", "defender-budget/prod-pods"),
            (AuditActions.DefenderRefused, "deleter-2", "cluster/prod-1/pods/web/web-2"),
            (AuditActions.DefenderBreakerOpened, "deleter-2", "defender-budget/prod-pods"),
            (AuditActions.DefenderRefused, "deleter-3", "cluster/prod-1/deployments/web/web-3"),
            (AuditActions.DefenderBreakerClosed, "bob", "defender-budget/prod-pods"),
            (AuditActions.DefenderRefused, "deleter-5", "cluster/prod-1/pods/web/web-5"),
            (AuditActions.DefenderBreakerOpened, "deleter-5", "defender-budget/prod-pods"),
        ], events.Select(e => (e.Action, e.Actor, e.Target)));
    }

    [Fact]
    public async Task DecideAsync_AllowsWithoutSpendingDuringBreakGlass_SeenByAnotherProcess_UntilItEndsByTime()
    {
        // Near the real time: the definitions' stamp reads break-glass rows by their end, as the database's clock sees it.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var first = new DefenderHost(_db, "first", clock);
        await using var second = new DefenderHost(_db, "second", clock);
        await using (var db = _db.CreateContext())
        {
            db.Clusters.Add(new Cluster { Name = "prod-1", ApiEndpoint = "https://prod-1.invalid", Environment = "prod", Region = "hangzhou",
                EncryptedKubeconfig = "", KubeconfigContext = "" });
            await db.SaveChangesAsync();
        }
        await first.Service.CreateAsync(Budget("prod-pods", new() { ["1h"] = 1 }), Sre);
        Assert.True((await second.Store.DecideAsync(Delete(1))).Allowed);
        Assert.False((await second.Store.DecideAsync(Delete(2))).Allowed);

        var glass = await first.BreakGlass.StartAsync(new BreakGlassRequest("prod-1", 10, "etcd restore needs the old pods gone"), Admin);

        var lifted = await second.Store.DecideAsync(Delete(3));
        Assert.True(lifted.Allowed);
        Assert.Equal($"Allowed: break-glass by admin until {AdmissionRules.Instant(glass.EndsAt)} (etcd restore needs the old pods gone); the defender is lifted for this cluster.",
            lifted.Message);
        Assert.Equal(1, (await second.Service.GetAsync("prod-pods")).Windows.Single().Used);

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False((await second.Store.DecideAsync(Delete(4))).Allowed);
        Assert.Empty(await second.BreakGlass.ListAsync());
    }

    [Fact]
    public async Task DecideAsync_InShadowMode_AllowsAndRecordsWhatEnforcingWouldHaveRefused()
    {
        await using var host = new DefenderHost(_db, "portal", _clock);
        await host.Service.CreateAsync(Budget("tuning", new() { ["1m"] = 1 }, trip: true, mode: "shadow"), Sre);

        var verdicts = new[] { await host.Store.DecideAsync(Delete(1)), await host.Store.DecideAsync(Delete(2)) };

        Assert.All(verdicts, v => Assert.True(v.Allowed));
        await using var db = _db.CreateContext();
        var decisions = await db.DefenderDecisions.OrderBy(d => d.Id).ToListAsync();
        Assert.Equal([false, true], decisions.Select(d => d.WouldRefuse));
        Assert.Equal("tuning", decisions[1].Budget);
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Action == AuditActions.DefenderRefused));
        Assert.False((await host.Service.GetAsync("tuning")).BreakerOpen);
    }

    [Fact]
    public async Task DecideAsync_SeesABudgetCreatedOrChangedInAnotherProcess()
    {
        await using var first = new DefenderHost(_db, "first", _clock);
        await using var second = new DefenderHost(_db, "second", _clock);
        Assert.True((await second.Store.DecideAsync(Delete(1))).Allowed);

        await first.Service.CreateAsync(Budget("prod-pods", new() { ["1m"] = 2 }), Sre);
        Assert.True((await second.Store.DecideAsync(Delete(2))).Allowed);
        Assert.True((await second.Store.DecideAsync(Delete(3))).Allowed);
        Assert.False((await second.Store.DecideAsync(Delete(4))).Allowed);

        // Raised elsewhere, the limit has room at once; lowered, the spends already counted refuse.
        await first.Service.UpdateAsync("prod-pods", Budget("prod-pods", new() { ["1m"] = 3 }), Sre);
        Assert.True((await second.Store.DecideAsync(Delete(5))).Allowed);
        await first.Service.UpdateAsync("prod-pods", Budget("prod-pods", new() { ["1m"] = 1 }), Sre);
        var refused = await second.Store.DecideAsync(Delete(6));
        Assert.Contains("(3/1 used)", refused.Message);

        await first.Service.DeleteAsync("prod-pods", Sre);
        Assert.True((await second.Store.DecideAsync(Delete(7))).Allowed);
    }

    [Fact]
    public async Task DecideAsync_AnswersTooManyRequests_ToAnAgentOverItsLimit_AsEditedSince()
    {
        await using var host = new DefenderHost(_db, "portal", _clock);
        var limit = await host.Service.CreateAgentLimitAsync(new AgentLimitRequest("kubectl/*", "pods", DefenderVerbs.Delete, 2), Sre);
        Assert.True((await host.Store.DecideAsync(Delete(1))).Allowed);
        Assert.True((await host.Store.DecideAsync(Delete(2))).Allowed);

        var third = await host.Store.DecideAsync(Delete(3));

        Assert.Equal(429, third.Code);
        Assert.Equal(TimeSpan.FromSeconds(1), third.RetryAfter);
        // Raised within the same second, the limit has room at once: the requests already counted stay counted.
        await host.Service.UpdateAgentLimitAsync(limit.Id, new AgentLimitRequest("kubectl/*", "pods", DefenderVerbs.Delete, 3), Sre);
        Assert.True((await host.Store.DecideAsync(Delete(4))).Allowed);
        Assert.Equal(429, (await host.Store.DecideAsync(Delete(5))).Code);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await host.Store.DecideAsync(Delete(6))).Allowed);
    }

    [Fact]
    public async Task CreateAsync_RefusesBadInputAndDuplicates_NamingTheField_AndWritesNothing()
    {
        await using var host = new DefenderHost(_db, "portal", _clock);
        var bad = await Assert.ThrowsAsync<ValidationFailedException>(() =>
            host.Service.CreateAsync(Budget("prod-pods", new() { ["2m"] = 1 }, mode: "loud"), Sre));
        Assert.Equal(["limits:", "mode:"], bad.Errors.Select(e => e[..(e.IndexOf(':') + 1)]));
        await host.Service.CreateAsync(Budget("prod-pods", new() { ["1m"] = 1 }), Sre);
        await Assert.ThrowsAsync<ConflictException>(() => host.Service.CreateAsync(Budget("prod-pods", new() { ["1m"] = 5 }), Sre));

        await using var db = _db.CreateContext();
        Assert.Equal(1, await db.DefenderBudgets.CountAsync());
        Assert.Equal(1, await db.DefenderStates.CountAsync());
    }

    [Fact]
    public async Task DeleteExpiredDecisionsAsync_DeletesOnlyDecisionsOlderThanTheRetention()
    {
        await using var host = new DefenderHost(_db, "portal", _clock, retention: TimeSpan.FromDays(7));
        await host.Store.DecideAsync(Delete(1));
        _clock.Advance(TimeSpan.FromDays(7));
        await host.Store.DecideAsync(Delete(2));
        _clock.Advance(TimeSpan.FromTicks(10));

        Assert.Equal(1, await host.Service.DeleteExpiredDecisionsAsync());

        await using var db = _db.CreateContext();
        Assert.Equal(["web-2"], await db.DefenderDecisions.Select(d => d.Name).ToListAsync());
    }
}
