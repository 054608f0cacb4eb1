using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Changes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Scheduling;

/// <summary>Changes planned by a scheduler policy instead of a pipeline, rolled out on PostgreSQL, Hangfire and FleetSim.</summary>
public sealed class SchedulerChangeTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task PolicyChange_RollsOutInThePreviewedOrder_AndLeavesAClusterRegisteredAfterApprovalUntouched()
    {
        string[] before = ["test-hangzhou-01", "test-hangzhou-02", "test-hangzhou-03", "staging-hangzhou-01"];
        const string latecomer = "staging-hangzhou-02";
        await world.RegisterAsync(before);
        await _alice.CreateComponentAsync("web-sched", "web-sched", ("1.0", "nginx:1.26"));
        using (var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", Policy("hangzhou-first")))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating the policy");
        using var previewed = await _bob.PostAsJsonAsync("/api/v1/scheduler/preview", new { policy = "hangzhou-first" });
        var preview = Waves(await previewed.ExpectJsonAsync(HttpStatusCode.OK, "previewing the policy"));

        using var proposed = await _alice.PostAsJsonAsync("/api/v1/changes", new
        {
            title = "web by policy", reason = "integration test", rollbackPlan = "roll back in the portal",
            component = "web-sched", version = "1.0", schedulerPolicy = "hangzhou-first",
        });
        var change = await proposed.ExpectJsonAsync(HttpStatusCode.Created, "proposing along a scheduler policy");
        var id = change["id"]!.GetValue<long>();
        Assert.Equal("hangzhou-first", change["schedulerPolicy"]!.GetValue<string>());
        Assert.Equal(preview, Waves(change));
        Assert.Equal(before.Order(), preview.SelectMany(w => w[(w.IndexOf(": ") + 2)..].Split(", ")).Order());

        await _bob.ApproveOkAsync(id);
        await world.RegisterAsync(latecomer); // matches the policy, but the plan froze at the approval
        var done = await _bob.WaitForStatusAsync(id, "Succeeded");

        Assert.Equal(preview, Waves(done));
        Assert.DoesNotContain(latecomer, ChangeApi.StepStatuses(done).Keys);
        Assert.Null(await world.Fleet.DeploymentImageAsync(latecomer, "web-sched", "web-sched"));
        Assert.Contains(latecomer, done["registeredSinceFrozen"]!.AsArray().Select(n => n!.GetValue<string>()));
        // Wave by wave: every cluster of a wave started after every cluster of the wave before it finished.
        var waves = done["waves"]!.AsArray();
        for (var i = 1; i < waves.Count; i++)
        {
            var previousEnd = waves[i - 1]!["clusters"]!.AsArray().Max(c => c!["finishedAt"]!.GetValue<DateTimeOffset>());
            Assert.All(waves[i]!["clusters"]!.AsArray(), c => Assert.True(c!["startedAt"]!.GetValue<DateTimeOffset>() >= previousEnd));
        }
        foreach (var cluster in before)
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-sched", "web-sched"));
    }

    [Fact]
    public async Task Proposing_RefusesAPipelineAndAPolicyTogether_AndAnUnknownPolicy()
    {
        using var both = await _alice.PostAsJsonAsync("/api/v1/changes", new
        {
            title = "both", reason = "integration test", component = "none", version = "1", pipeline = "x", schedulerPolicy = "y",
        });
        var problem = await both.ExpectJsonAsync(HttpStatusCode.BadRequest, "proposing with both");
        Assert.Contains("Choose a pipeline or a scheduler policy, not both.", problem["detail"]!.GetValue<string>());
        Assert.Contains("No scheduler policy named 'y'.", problem["detail"]!.GetValue<string>());
    }

    private static object Policy(string name) => new
    {
        name,
        description = "Hangzhou test and staging, least critical first.",
        filters = new { regions = new[] { "cn-hangzhou" }, environments = new[] { "test", "staging" }, excludeStale = false, excludeUnreachable = false },
        weights = new Dictionary<string, int> { ["tier"] = 3, ["size"] = 1 },
        shaping = new
        {
            canarySize = 1, firstWaveSize = 1, growthFactor = 2, maxWaveSize = 4, maxRegionPercent = 100,
            canary = new { maxConcurrency = 1, minSuccessSeconds = 0, progressDeadlineSeconds = 30, maxFailures = "0" },
            waves = new { maxConcurrency = 2, minSuccessSeconds = 0, progressDeadlineSeconds = 30, maxFailures = "0" },
        },
    };

    /// <summary>Each wave as "name: cluster, cluster" in order, from a preview or a change.</summary>
    private static List<string> Waves(JsonNode planned) =>
        planned["waves"]!.AsArray().Select(w => $"{w!["name"]}: " +
            string.Join(", ", w["clusters"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()))).ToList();
}
