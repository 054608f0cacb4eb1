using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Changes;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Changes;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.IntegrationTests.Freeze;

/// <summary>
/// Freeze windows through /api/v1 and a real rollout on PostgreSQL, Hangfire and FleetSim: a freeze that begins during
/// the first wave holds the second one, says why, and lets the rollout carry on by itself when it ends.
/// </summary>
public sealed class FreezeWindowTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _admin = world.Portal.ApiClient("admin");

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task<JsonNode> CreateOkAsync(object body)
    {
        using var response = await _bob.PostAsJsonAsync("/api/v1/freeze-windows", body);
        return await response.ExpectJsonAsync(HttpStatusCode.Created, "creating a freeze window");
    }

    [Fact]
    public async Task FreezeWindows_AreCreatedReadAndDeleted_WithEachStepAudited()
    {
        var created = await CreateOkAsync(new
        {
            name = "singles-day", reason = "Singles' Day freeze", type = "deny", scope = new { environments = new[] { "prod" } },
            start = "2026-11-10T00:00", end = "2026-11-12T18:00", timeZone = "Asia/Shanghai",
        });
        var id = created["id"]!.GetValue<Guid>();

        using (var read = await _alice.GetAsync($"/api/v1/freeze-windows/{id}"))
        {
            var window = await read.ExpectJsonAsync(HttpStatusCode.OK, "reading the window");
            Assert.Equal("2026-11-12T18:00", window["end"]!.GetValue<string>());
            Assert.Equal(["prod"], window["scope"]!["environments"]!.AsArray().Select(e => e!.GetValue<string>()));
        }
        using (var denied = await _alice.DeleteAsync($"/api/v1/freeze-windows/{id}"))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using (var deleted = await _bob.DeleteAsync($"/api/v1/freeze-windows/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await _bob.GetAsync($"/api/v1/freeze-windows/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        Assert.Contains(await _bob.AuditAsync("freeze-window.create"), e => e!["target"]!.GetValue<string>() == "freeze-window/singles-day");
        Assert.Contains(await _bob.AuditAsync("freeze-window.delete"), e => e!["target"]!.GetValue<string>() == "freeze-window/singles-day");
    }

    [Theory]
    [InlineData("FREQ=FORTNIGHTLY", "Asia/Shanghai", "is not a valid iCalendar recurrence rule")]
    [InlineData("FREQ=WEEKLY;BYDAY=SA", "Asia/Atlantis", "Unknown time zone 'Asia/Atlantis'")]
    public async Task PostFreezeWindow_AnswersProblemDetails_ForABadRruleOrTimeZone(string rrule, string timeZone, string expected)
    {
        using var response = await _bob.PostAsJsonAsync("/api/v1/freeze-windows",
            new { name = "bad", reason = "testing", start = "2026-11-14T00:00", rrule, durationMinutes = 60, timeZone });

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating a bad window");
        Assert.Contains(expected, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rollout_WaitsAtAFreezeThatBeginsDuringTheFirstWave_AndCarriesOnByItselfWhenItEnds()
    {
        string[] first = ["test-hangzhou-01"], second = ["test-shanghai-01"];
        await world.RegisterAsync([.. first, .. second]);
        await _alice.CreateComponentAsync("web-freeze", "web-freeze", ("1.0", "nginx:1.26"));
        // The first wave soaks long enough for the freeze to begin before the second wave is due.
        await _bob.CreatePipelineAsync("freeze-path", ChangeApi.Wave("first", first, minSuccessSeconds: 6), ChangeApi.Wave("second", second));
        var id = await _alice.ProposeOkAsync("web through a freeze", "web-freeze", "1.0", "freeze-path");

        // Whole seconds, as the window is written.
        var now = DateTimeOffset.UtcNow;
        var begins = now.AddSeconds(3).AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var ends = begins.AddSeconds(12);
        await CreateOkAsync(new
        {
            name = "short-freeze", reason = "Integration freeze", scope = new { clusters = second },
            start = Utc(begins), end = Utc(ends), timeZone = "UTC",
        });
        await _bob.ApproveOkAsync(id);

        var waiting = await Eventually.UntilAsync(() => _bob.GetChangeAsync(id), c => c["waitingFor"] is not null, "the rollout to wait on the freeze",
            TimeSpan.FromSeconds(30));
        Assert.Equal("Running", waiting["status"]!.GetValue<string>());
        Assert.Contains("Wave 'second' does not start", waiting["waitingFor"]!.GetValue<string>());
        Assert.Contains("Integration freeze; window 'short-freeze'", waiting["waitingFor"]!.GetValue<string>());
        Assert.Equal("Pending", waiting["waves"]![1]!["status"]!.GetValue<string>());
        // Held for seconds more, the rollout lets its worker go: no runner holds the change's lock while it waits.
        await Eventually.UntilAsync(() => DrivenAsync(id), driven => !driven, "the waiting rollout to let its worker go", TimeSpan.FromSeconds(10));
        Assert.Equal("Running", (await _bob.GetChangeAsync(id))["status"]!.GetValue<string>());
        using (var status = await _alice.GetAsync($"/api/v1/freeze-windows/status?cluster={second[0]}"))
        {
            var frozen = await status.ExpectJsonAsync(HttpStatusCode.OK, "reading the cluster's freeze status");
            Assert.True(frozen["frozen"]!.GetValue<bool>());
            Assert.Equal(ends.ToUnixTimeSeconds(), frozen["nextOpen"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds());
        }

        var done = await _bob.WaitForStatusAsync(id, "Succeeded", TimeSpan.FromSeconds(60));

        Assert.Null(done["waitingFor"]);
        var secondStarted = done["waves"]![1]!["clusters"]![0]!["startedAt"]!.GetValue<DateTimeOffset>();
        Assert.True(secondStarted >= ends, $"the second wave started at {secondStarted:O}, inside the freeze that ended at {ends:O}");
        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(second[0], "web-freeze", "web-freeze"));
        Assert.Contains(await _bob.AuditAsync("change.waiting"), e => e!["target"]!.GetValue<string>() == $"change/{id}");
    }

    /// <summary>Whether a runner holds the change's advisory lock now (the lock every live runner of a change holds).</summary>
    private async Task<bool> DrivenAsync(long changeId)
    {
        await using var db = world.Portal.Db.CreateContext();
        var locks = await db.Database.SqlQuery<long>(
            $"SELECT objid::bigint AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND classid = {RolloutRunner.LockSpace} AND objsubid = 2 AND granted")
            .ToListAsync();
        return locks.Contains(changeId);
    }

    [Fact]
    public async Task Rollout_DoesNotStartItsFirstWaveInsideAFreeze_WrittenAsWallClockMinutes()
    {
        string[] only = ["test-beijing-01"];
        await world.RegisterAsync(only);
        await _alice.CreateComponentAsync("web-frozen-start", "web-frozen-start", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("frozen-start", ChangeApi.Wave("only", only));
        var id = await _alice.ProposeOkAsync("web into a freeze", "web-frozen-start", "1.0", "frozen-start");
        var now = DateTime.UtcNow;
        var minute = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute));
        var ends = new DateTimeOffset(minute.AddMinutes(1), TimeSpan.Zero);
        await CreateOkAsync(new
        {
            name = "minute-freeze", reason = "Minute freeze", scope = new { clusters = only },
            start = minute.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
            end = minute.AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), timeZone = "UTC",
        });

        await _bob.ApproveOkAsync(id);
        var done = await _bob.WaitForStatusAsync(id, "Succeeded", TimeSpan.FromSeconds(120));

        var started = done["waves"]![0]!["clusters"]![0]!["startedAt"]!.GetValue<DateTimeOffset>();
        Assert.True(started >= ends, $"the wave started at {started:O}, inside the freeze that ended at {ends:O}");
    }

    [Fact]
    public async Task Change_RunsThroughANamedWindow_OnlyOnceAnAdminGrantsIt_AndBothAreAudited()
    {
        string[] only = ["test-shanghai-02"];
        await world.RegisterAsync(only);
        await _alice.CreateComponentAsync("web-exception", "web-exception", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("exception-path", ChangeApi.Wave("only", only));
        var now = DateTime.UtcNow;
        await CreateOkAsync(new
        {
            name = "hour-freeze", reason = "Hour freeze", scope = new { clusters = only },
            start = now.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
            end = now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), timeZone = "UTC",
        });

        using (var unknown = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal(["no-such-window"], "hotfix")))
        {
            var problem = await unknown.ExpectJsonAsync(HttpStatusCode.BadRequest, "asking for an unknown window");
            Assert.Contains("No freeze window named 'no-such-window'", problem["detail"]!.GetValue<string>());
        }
        using (var reasonless = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal(["hour-freeze"], " ")))
            Assert.Contains("Say why the change must run through the freeze", (await reasonless.ExpectJsonAsync(HttpStatusCode.BadRequest, "asking without a reason"))["detail"]!.GetValue<string>());

        using var proposed = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal(["hour-freeze"], "CVE fix cannot wait"));
        var id = (await proposed.ExpectJsonAsync(HttpStatusCode.Created, "proposing through the freeze"))["id"]!.GetValue<long>();
        var approved = await _bob.ApproveOkAsync(id);
        // The review is in, but without the Admin's grant the change does not start.
        Assert.Equal("PendingApproval", approved["status"]!.GetValue<string>());
        Assert.Null(approved["runThrough"]!["grantedBy"]);

        using (var bySre = await _bob.PostAsJsonAsync($"/api/v1/changes/{id}/freeze-exception", new { reason = "looks fine" }))
            Assert.Equal(HttpStatusCode.Forbidden, bySre.StatusCode);
        using (var noReason = await _admin.PostAsJsonAsync($"/api/v1/changes/{id}/freeze-exception", new { reason = "" }))
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        using (var granted = await _admin.PostAsJsonAsync($"/api/v1/changes/{id}/freeze-exception", new { reason = "security fix, on call watching" }))
        {
            var change = await granted.ExpectJsonAsync(HttpStatusCode.OK, "granting the exception");
            Assert.Equal("admin", change["runThrough"]!["grantedBy"]!.GetValue<string>());
        }

        var done = await _bob.WaitForStatusAsync(id, "Succeeded", TimeSpan.FromSeconds(60));
        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(only[0], "web-exception", "web-exception"));
        Assert.Equal(["hour-freeze"], done["runThrough"]!["windows"]!.AsArray().Select(w => w!.GetValue<string>()));
        Assert.Contains(await _bob.AuditAsync("change.proposed"), e => e!["target"]!.GetValue<string>() == $"change/{id}"
            && e["details"]!.GetValue<string>().Contains("asks to run through freeze window 'hour-freeze': CVE fix cannot wait"));
        Assert.Contains(await _bob.AuditAsync("change.freeze-exception-granted"), e => e!["actor"]!.GetValue<string>() == "admin"
            && e["details"]!.GetValue<string>().Contains("security fix, on call watching"));

        // The same release without the exception waits at the window.
        var held = await _alice.ProposeOkAsync("web into the freeze", "web-exception", "1.0", "exception-path");
        await _bob.ApproveOkAsync(held);
        var waiting = await Eventually.UntilAsync(() => _bob.GetChangeAsync(held), c => c["waitingFor"] is not null, "the other change to wait",
            TimeSpan.FromSeconds(30));
        Assert.Contains("window 'hour-freeze'", waiting["waitingFor"]!.GetValue<string>());
        await _bob.ActAsync(held, "abort");

        object Proposal(string[] windows, string reason) => new
        {
            title = "web through the freeze", reason = "urgent", rollbackPlan = "roll back", component = "web-exception", version = "1.0",
            pipeline = "exception-path", runThrough = new { windows, reason },
        };
    }
}
