using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Changes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Pipelines;

/// <summary>A pipeline whose fixed waves end in a scheduler policy, planned and rolled out on PostgreSQL, Hangfire and FleetSim.</summary>
public sealed class DynamicStageTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private const string Policy = "rest-by-tier";
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task Change_RollsOutTheFixedCanaryFirst_ThenThePolicyWaves_AndNotAClusterRegisteredAfterApproval()
    {
        string[] before = ["test-hangzhou-01", "test-hangzhou-02", "test-shanghai-01", "staging-hangzhou-01"];
        const string latecomer = "staging-hangzhou-02";
        await world.RegisterAsync(before);
        await _alice.CreateComponentAsync("web-staged", "web-staged", ("1.0", "nginx:1.26"));
        await CreatePolicyAsync(Policy);
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", Pipeline("canary-then-policy", Policy)))
        {
            var pipeline = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating the pipeline");
            Assert.Equal(Policy, pipeline["then"]!["schedulerPolicy"]!.GetValue<string>());
        }
        using var planned = await _bob.GetAsync("/api/v1/pipelines/canary-then-policy/plan");
        var preview = Waves(await planned.ExpectJsonAsync(HttpStatusCode.OK, "previewing the pipeline's plan"));

        var id = await _alice.ProposeOkAsync("web, canary then policy", "web-staged", "1.0", "canary-then-policy");
        var change = await _alice.GetChangeAsync(id);
        Assert.Equal("canary-then-policy", change["pipeline"]!.GetValue<string>());
        Assert.Equal(preview, Waves(change));
        Assert.Equal("canary: test-hangzhou-01", preview[0]);
        Assert.True(preview.Count > 1);
        Assert.All(preview.Skip(1), w => Assert.StartsWith($"policy {Policy} · ", w));
        Assert.Equal(before.Order(), preview.SelectMany(w => w[(w.IndexOf(": ") + 2)..].Split(", ")).Order());

        await _bob.ApproveOkAsync(id);
        await world.RegisterAsync(latecomer); // the policy would take it, but the plan froze at the approval
        var done = await _bob.WaitForStatusAsync(id, "Succeeded");

        Assert.Equal(preview, Waves(done));
        Assert.DoesNotContain(latecomer, ChangeApi.StepStatuses(done).Keys);
        Assert.Null(await world.Fleet.DeploymentImageAsync(latecomer, "web-staged", "web-staged"));
        var waves = done["waves"]!.AsArray();
        for (var i = 1; i < waves.Count; i++)
        {
            var previousEnd = waves[i - 1]!["clusters"]!.AsArray().Max(c => c!["finishedAt"]!.GetValue<DateTimeOffset>());
            Assert.All(waves[i]!["clusters"]!.AsArray(), c => Assert.True(c!["startedAt"]!.GetValue<DateTimeOffset>() >= previousEnd));
        }
        foreach (var cluster in before)
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-staged", "web-staged"));
    }

    [Fact]
    public async Task CreatingAPipeline_IsRefused_WhenItsDynamicStageNamesNoPolicy()
    {
        await world.RegisterAsync("test-hangzhou-01");

        using var refused = await _bob.PostAsJsonAsync("/api/v1/pipelines", Pipeline("then-nowhere", "no-such-policy"));

        var problem = await refused.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating a pipeline whose stage names no policy");
        Assert.Contains("No scheduler policy named 'no-such-policy'", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeletingAPolicy_IsRefused_WhileAPipelineEndsWithIt()
    {
        await world.RegisterAsync("test-hangzhou-01");
        await CreatePolicyAsync("kept-by-pipeline");
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", Pipeline("canary-then-kept", "kept-by-pipeline")))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating the pipeline");

        using var refused = await _bob.DeleteAsync("/api/v1/scheduler/policies/kept-by-pipeline");

        var problem = await refused.ExpectJsonAsync(HttpStatusCode.Conflict, "deleting a policy a pipeline ends with");
        Assert.Contains("pipeline 'canary-then-kept'", problem["detail"]!.GetValue<string>());
    }

    private static object Pipeline(string name, string policy) => new
    {
        name,
        description = "A fixed canary, then the rest by policy.",
        waves = new[] { ChangeApi.Wave("canary", ["test-hangzhou-01"], maxConcurrency: 1, canary: true) },
        then = new { schedulerPolicy = policy },
    };

    private async Task CreatePolicyAsync(string name)
    {
        using var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", new
        {
            name,
            description = "Test, then staging, least critical first.",
            filters = new { environments = new[] { "test", "staging" }, excludeStale = false, excludeUnreachable = false },
            weights = new Dictionary<string, int> { ["tier"] = 3, ["size"] = 1 },
            shaping = new
            {
                canarySize = 1, firstWaveSize = 1, growthFactor = 2, maxWaveSize = 4, maxRegionPercent = 100,
                canary = new { maxConcurrency = 1, minSuccessSeconds = 0, progressDeadlineSeconds = 30, maxFailures = "0" },
                waves = new { maxConcurrency = 2, minSuccessSeconds = 0, progressDeadlineSeconds = 30, maxFailures = "0" },
            },
        });
        await created.ExpectJsonAsync(HttpStatusCode.Created, "creating the policy");
    }

    /// <summary>Each wave as "name: cluster, cluster" in order, from a plan preview (names) or a change (cluster objects).</summary>
    private static List<string> Waves(JsonNode planned) =>
        planned["waves"]!.AsArray().Select(w => $"{w!["name"]}: " +
            string.Join(", ", w["clusters"]!.AsArray().Select(c => c is JsonObject cluster ? cluster["name"]!.GetValue<string>() : c!.GetValue<string>()))).ToList();
}
