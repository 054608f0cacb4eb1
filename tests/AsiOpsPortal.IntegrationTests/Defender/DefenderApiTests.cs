using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Defender;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>The defender's /api/v1 endpoints on a real portal and PostgreSQL: budgets, decisions and breaker resets as scripts use them.</summary>
public sealed class DefenderApiTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    private readonly HttpClient _dave = fixture.Portal.ApiClient("dave");
    private readonly HttpClient _bob = fixture.Portal.ApiClient("bob");
    private DefenderStore Store => fixture.Portal.Services.GetRequiredService<DefenderStore>();

    private static object Budget(string name, string mode = "enforce", int perMinute = 3) => new
    {
        name,
        scope = new { environments = new[] { "prod" }, clusters = Array.Empty<string>(), labels = new Dictionary<string, string> { ["team"] = "pay" }, namespaces = new[] { "web" } },
        resources = new[] { "pods" },
        verbs = new[] { "delete", "eviction" },
        limits = new Dictionary<string, int> { ["1m"] = perMinute, ["1h"] = 50 },
        breaker = new { tripOnExhaustion = true, coolDownMinutes = 0 },
        mode,
    };

    /// <summary>A cluster row as registering leaves it, without a FleetSim behind it: break-glass needs only its name.</summary>
    private async Task AddClusterAsync(string name)
    {
        await using var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.Clusters.Add(new Cluster { Name = name, ApiEndpoint = $"https://{name}.invalid", Environment = "prod", Region = "hangzhou", EncryptedKubeconfig = "", KubeconfigContext = "" });
        await db.SaveChangesAsync();
    }

    /// <summary>A budget of one pod delete an hour in the named clusters only, so that it and the other tests' budgets leave each other alone.</summary>
    private static object ClusterBudget(string name, string[] clusters, object? breaker = null) => new
    {
        name, scope = new { clusters }, resources = new[] { "pods" }, verbs = new[] { "delete" }, limits = new Dictionary<string, int> { ["1h"] = 1 },
        breaker = breaker ?? new { tripOnExhaustion = false },
    };

    /// <summary>A pod delete outside the scope of <see cref="Budget"/>: only cluster budgets reach it.</summary>
    private static AdmissionRequest DeleteJob(string name, string cluster) =>
        new("ci-bot", "kubectl/v1.32.0", DefenderVerbs.Delete, "pods", "jobs", name, cluster, "staging", new Dictionary<string, string>());

    private static AdmissionRequest Delete(string name, string cluster) =>
        new("ci-bot", "kubectl/v1.32.0", DefenderVerbs.Delete, "pods", "web", name, cluster, "prod", new Dictionary<string, string> { ["team"] = "pay" });

    [Fact]
    public async Task Budgets_AreCreatedListedUpdatedAndDeleted_EachWriteAudited()
    {
        using (var created = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", Budget("crud-pods")))
        {
            var budget = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a budget");
            Assert.Equal("/api/v1/defender/budgets/crud-pods", created.Headers.Location?.ToString());
            Assert.Equal(["1m", "1h"], budget["windows"]!.AsArray().Select(w => w!["window"]!.GetValue<string>()));
        }
        using (var list = await _dave.GetAsync("/api/v1/defender/budgets"))
            Assert.Contains((await list.ExpectJsonAsync(HttpStatusCode.OK, "listing budgets"))["items"]!.AsArray(), b => b!["name"]!.GetValue<string>() == "crud-pods");

        using (var updated = await _bob.PutAsJsonAsync("/api/v1/defender/budgets/crud-pods", Budget("crud-pods", mode: "shadow", perMinute: 5)))
        {
            var budget = await updated.ExpectJsonAsync(HttpStatusCode.OK, "updating a budget");
            Assert.Equal("shadow", budget["mode"]!.GetValue<string>());
            Assert.Equal(5, budget["limits"]!["1m"]!.GetValue<int>());
        }
        using (var read = await _dave.GetAsync("/api/v1/defender/budgets/crud-pods"))
            Assert.Equal("pay", (await read.ExpectJsonAsync(HttpStatusCode.OK, "reading a budget"))["scope"]!["labels"]!["team"]!.GetValue<string>());

        using (var deleted = await _bob.DeleteAsync("/api/v1/defender/budgets/crud-pods"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await _dave.GetAsync("/api/v1/defender/budgets/crud-pods"))
            await gone.ExpectJsonAsync(HttpStatusCode.NotFound, "reading a deleted budget");

        foreach (var action in new[] { AuditActions.DefenderBudgetCreated, AuditActions.DefenderBudgetUpdated, AuditActions.DefenderBudgetDeleted })
            Assert.Contains(await _bob.AuditAsync(action), e => e!["target"]!.GetValue<string>() == "defender-budget/crud-pods" && e["actor"]!.GetValue<string>() == "bob");
    }

    [Fact]
    public async Task PostBudget_AnswersEveryProblemNamingItsField_AndUnknownFieldsAreRefused()
    {
        using var invalid = await _bob.PostAsJsonAsync("/api/v1/defender/budgets",
            new { name = "Bad Name", resources = Array.Empty<string>(), verbs = new[] { "drain" }, limits = new Dictionary<string, int> { ["2m"] = 3 }, mode = "loud" });
        var problem = await invalid.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating an invalid budget");
        var errors = problem["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        foreach (var field in new[] { "name:", "resources:", "verbs:", "limits:", "mode:" })
            Assert.Contains(errors, e => e.StartsWith(field));

        using var typo = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", new { name = "typo", limit = new { } });
        Assert.Contains("$.limit", (await typo.ExpectJsonAsync(HttpStatusCode.BadRequest, "a misspelt field"))["detail"]!.GetValue<string>());

        using var renamed = await _bob.PutAsJsonAsync("/api/v1/defender/budgets/no-such-budget", Budget("another-name"));
        Assert.Contains("cannot be renamed", (await renamed.ExpectJsonAsync(HttpStatusCode.BadRequest, "renaming"))["detail"]!.GetValue<string>());

        using var list = await _dave.GetAsync("/api/v1/defender/budgets");
        Assert.DoesNotContain((await list.ExpectJsonAsync(HttpStatusCode.OK, "listing"))["items"]!.AsArray(), b => b!["name"]!.GetValue<string>() is "typo" or "another-name");
    }

    [Fact]
    public async Task Writes_AreRefusedToAViewer_AndChangeNothing()
    {
        using (var create = await _dave.PostAsJsonAsync("/api/v1/defender/budgets", Budget("viewer-pods")))
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        using (var reset = await _dave.PostAsJsonAsync("/api/v1/defender/breakers/viewer-pods/reset", new { reason = "why not" }))
            Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        using (var delete = await _dave.DeleteAsync("/api/v1/defender/budgets/viewer-pods"))
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        using var read = await _dave.GetAsync("/api/v1/defender/budgets/viewer-pods");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Decisions_ArePagedNewestFirstAndFiltered_AndABreakerResetNeedsAReason()
    {
        using (var created = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", Budget("trip-pods", perMinute: 1)))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a budget");
        await Store.DecideAsync(Delete("web-1", "decisions-1"));
        await Store.DecideAsync(Delete("web-2", "decisions-1"));
        await Store.DecideAsync(Delete("web-3", "decisions-2"));

        using (var refused = await _dave.GetAsync("/api/v1/defender/decisions?cluster=decisions-1&allowed=false"))
        {
            var page = await refused.ExpectJsonAsync(HttpStatusCode.OK, "refused decisions");
            Assert.Equal(1, page["total"]!.GetValue<int>());
            var decision = page["items"]![0]!;
            Assert.Equal(("web-2", "trip-pods", "1m"), (decision["name"]!.GetValue<string>(), decision["budget"]!.GetValue<string>(), decision["window"]!.GetValue<string>()));
        }
        using (var firstPage = await _dave.GetAsync("/api/v1/defender/decisions?cluster=decisions-1&pageSize=1"))
        {
            var page = await firstPage.ExpectJsonAsync(HttpStatusCode.OK, "a page of decisions");
            Assert.Equal(2, page["total"]!.GetValue<int>());
            Assert.Equal("web-2", page["items"]![0]!["name"]!.GetValue<string>());
        }
        using (var badPage = await _dave.GetAsync("/api/v1/defender/decisions?pageSize=0"))
            Assert.Contains("pageSize", (await badPage.ExpectJsonAsync(HttpStatusCode.BadRequest, "pageSize 0"))["detail"]!.GetValue<string>());

        using (var noReason = await _bob.PostAsJsonAsync("/api/v1/defender/breakers/trip-pods/reset", new { reason = " " }))
            Assert.Contains("reason", (await noReason.ExpectJsonAsync(HttpStatusCode.BadRequest, "a reset without a reason"))["detail"]!.GetValue<string>());
        using (var reset = await _bob.PostAsJsonAsync("/api/v1/defender/breakers/trip-pods/reset", new { reason = "selector fixed" }))
            Assert.False((await reset.ExpectJsonAsync(HttpStatusCode.OK, "a reset"))["breakerOpen"]!.GetValue<bool>());
        using (var again = await _bob.PostAsJsonAsync("/api/v1/defender/breakers/trip-pods/reset", new { reason = "selector fixed" }))
            await again.ExpectJsonAsync(HttpStatusCode.Conflict, "resetting a closed breaker");

        Assert.Contains(await _bob.AuditAsync(AuditActions.DefenderBreakerClosed), e => e!["details"]!.GetValue<string>().Contains("selector fixed"));
        Assert.Contains(await _bob.AuditAsync(AuditActions.DefenderRefused), e => e!["details"]!.GetValue<string>().Contains("trip-pods"));
    }

    [Fact]
    public async Task BreakGlass_AllowsTheClustersRequestsWithoutSpending_UntilAnAdminEndsIt_EachStepAudited()
    {
        await AddClusterAsync("glass-1");
        var admin = fixture.Portal.ApiClient("admin");
        using (var created = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", ClusterBudget("glass-pods", ["glass-1", "glass-2"])))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a budget");
        Assert.True((await Store.DecideAsync(DeleteJob("web-1", "glass-1"))).Allowed);

        using (var bySre = await _bob.PostAsJsonAsync("/api/v1/defender/break-glass", new { cluster = "glass-1", minutes = 10, reason = "restore" }))
            Assert.Equal(HttpStatusCode.Forbidden, bySre.StatusCode);
        using (var invalid = await admin.PostAsJsonAsync("/api/v1/defender/break-glass", new { cluster = "glass-1", minutes = 61, reason = " " }))
        {
            var errors = (await invalid.ExpectJsonAsync(HttpStatusCode.BadRequest, "an invalid break-glass"))["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.Equal(["minutes:", "reason:"], errors.Select(e => e[..(e.IndexOf(':') + 1)]));
        }
        using (var unknown = await admin.PostAsJsonAsync("/api/v1/defender/break-glass", new { cluster = "no-such-cluster", minutes = 5, reason = "restore" }))
            await unknown.ExpectJsonAsync(HttpStatusCode.NotFound, "break-glass on an unknown cluster");
        using (var started = await admin.PostAsJsonAsync("/api/v1/defender/break-glass", new { cluster = "glass-1", minutes = 10, reason = "etcd restore" }))
            Assert.Equal("admin", (await started.ExpectJsonAsync(HttpStatusCode.Created, "breaking the glass"))["startedBy"]!.GetValue<string>());
        using (var twice = await admin.PostAsJsonAsync("/api/v1/defender/break-glass", new { cluster = "glass-1", minutes = 10, reason = "again" }))
            await twice.ExpectJsonAsync(HttpStatusCode.Conflict, "breaking it twice");
        using (var listed = await _dave.GetAsync("/api/v1/defender/break-glass"))
            Assert.Contains((await listed.ExpectJsonAsync(HttpStatusCode.OK, "listing break-glass"))["items"]!.AsArray(),
                g => g!["cluster"]!.GetValue<string>() == "glass-1" && g["reason"]!.GetValue<string>() == "etcd restore");

        var lifted = await Task.WhenAll(Enumerable.Range(2, 3).Select(i => Store.DecideAsync(DeleteJob($"web-{i}", "glass-1"))));
        Assert.All(lifted, v => Assert.StartsWith("Allowed: break-glass by admin until ", v.Message));
        Assert.False((await Store.DecideAsync(DeleteJob("web-5", "glass-2"))).Allowed);
        using (var budget = await _dave.GetAsync("/api/v1/defender/budgets/glass-pods"))
            Assert.Equal(1, (await budget.ExpectJsonAsync(HttpStatusCode.OK, "reading the budget"))["windows"]![0]!["used"]!.GetValue<int>());

        using (var ended = await admin.DeleteAsync("/api/v1/defender/break-glass/glass-1"))
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        using (var again = await admin.DeleteAsync("/api/v1/defender/break-glass/glass-1"))
            await again.ExpectJsonAsync(HttpStatusCode.Conflict, "ending it twice");
        Assert.False((await Store.DecideAsync(DeleteJob("web-6", "glass-1"))).Allowed);

        Assert.Contains(await _bob.AuditAsync(AuditActions.DefenderBreakGlassStarted), e => e!["target"]!.GetValue<string>() == "cluster/glass-1"
            && e["actor"]!.GetValue<string>() == "admin" && e["details"]!.GetValue<string>().Contains("etcd restore"));
        Assert.Contains(await _bob.AuditAsync(AuditActions.DefenderBreakGlassEnded), e => e!["target"]!.GetValue<string>() == "cluster/glass-1");
    }

    [Fact]
    public async Task AgentLimits_AreCreatedEditedAndDeleted_NamingEachBadField_EachWriteAudited()
    {
        using (var invalid = await _bob.PostAsJsonAsync("/api/v1/defender/agent-limits", new { pattern = "", verb = "drain", perSecond = 0 }))
        {
            var errors = (await invalid.ExpectJsonAsync(HttpStatusCode.BadRequest, "an invalid agent limit"))["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.Equal(["pattern:", "verb:", "perSecond:"], errors.Select(e => e[..(e.IndexOf(':') + 1)]));
        }
        using (var byViewer = await _dave.PostAsJsonAsync("/api/v1/defender/agent-limits", new { pattern = "runaway/*", resource = "pods", verb = "delete", perSecond = 1 }))
            Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);

        string id;
        using (var created = await _bob.PostAsJsonAsync("/api/v1/defender/agent-limits", new { pattern = "runaway/*", resource = "pods", verb = "delete", perSecond = 5 }))
        {
            var limit = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating an agent limit");
            id = limit["id"]!.GetValue<string>();
            Assert.Equal($"/api/v1/defender/agent-limits/{id}", created.Headers.Location?.ToString());
        }
        using (var taken = await _bob.PostAsJsonAsync("/api/v1/defender/agent-limits", new { pattern = "runaway/*", resource = "pods", verb = "delete", perSecond = 9 }))
            await taken.ExpectJsonAsync(HttpStatusCode.Conflict, "a second limit for the same agent and operation");
        using (var edited = await _bob.PutAsJsonAsync($"/api/v1/defender/agent-limits/{id}", new { pattern = "runaway/*", resource = "pods", verb = "delete", perSecond = 1 }))
            Assert.Equal(1, (await edited.ExpectJsonAsync(HttpStatusCode.OK, "editing an agent limit"))["perSecond"]!.GetValue<int>());
        using (var listed = await _dave.GetAsync("/api/v1/defender/agent-limits"))
            Assert.Contains((await listed.ExpectJsonAsync(HttpStatusCode.OK, "listing agent limits"))["items"]!.AsArray(),
                l => l!["id"]!.GetValue<string>() == id && l["perSecond"]!.GetValue<int>() == 1);

        using (var deleted = await _bob.DeleteAsync($"/api/v1/defender/agent-limits/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await _bob.DeleteAsync($"/api/v1/defender/agent-limits/{id}"))
            await gone.ExpectJsonAsync(HttpStatusCode.NotFound, "deleting it twice");
        foreach (var action in new[] { AuditActions.DefenderAgentLimitCreated, AuditActions.DefenderAgentLimitUpdated, AuditActions.DefenderAgentLimitDeleted })
            Assert.Contains(await _bob.AuditAsync(action), e => e!["target"]!.GetValue<string>() == "defender-agent-limit/runaway/* delete pods");
    }

    [Fact]
    public async Task Breaker_OpensAtTheNthRefusalWithinItsWindow_AsConfiguredThroughTheApi()
    {
        var budget = ClusterBudget("refusal-pods", ["refusals-1"], new { tripAfterRefusals = 2, refusalWindow = "5m", coolDownMinutes = 0 });
        using (var invalid = await _bob.PostAsJsonAsync("/api/v1/defender/budgets",
                   ClusterBudget("refusal-pods", ["refusals-1"], new { tripAfterRefusals = -1, refusalWindow = "2m", coolDownMinutes = 0 })))
        {
            var errors = (await invalid.ExpectJsonAsync(HttpStatusCode.BadRequest, "an invalid breaker"))["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.Equal(["breaker.tripAfterRefusals:", "breaker.refusalWindow:"], errors.Select(e => e[..(e.IndexOf(':') + 1)]));
        }
        using (var created = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", budget))
        {
            var breaker = (await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a budget"))["breaker"]!;
            Assert.Equal((2, "5m"), (breaker["tripAfterRefusals"]!.GetValue<int>(), breaker["refusalWindow"]!.GetValue<string>()));
        }

        Assert.True((await Store.DecideAsync(DeleteJob("web-1", "refusals-1"))).Allowed);
        Assert.Empty((await Store.DecideAsync(DeleteJob("web-2", "refusals-1"))).Tripped);
        Assert.Single((await Store.DecideAsync(DeleteJob("web-3", "refusals-1"))).Tripped);

        using var read = await _dave.GetAsync("/api/v1/defender/budgets/refusal-pods");
        var view = await read.ExpectJsonAsync(HttpStatusCode.OK, "reading the budget");
        Assert.True(view["breakerOpen"]!.GetValue<bool>());
        Assert.Equal("2 refusals within 5m (window 1h spent)", view["breakerCause"]!.GetValue<string>());
    }
}
