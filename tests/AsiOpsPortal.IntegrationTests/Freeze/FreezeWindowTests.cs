using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Changes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Freeze;

/// <summary>
/// Freeze windows through /api/v1 and a real rollout on PostgreSQL, Hangfire and FleetSim: a freeze that begins during
/// the first wave holds the second one, says why, and lets the rollout carry on by itself when it ends.
/// </summary>
public sealed class FreezeWindowTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

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
}
