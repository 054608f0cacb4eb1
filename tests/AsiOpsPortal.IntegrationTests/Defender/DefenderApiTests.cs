using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Defender;
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
}
