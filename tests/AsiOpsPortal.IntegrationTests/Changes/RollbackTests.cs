extern alias fleetsim;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>
/// Rollbacks on real PostgreSQL, Hangfire and FleetSim over HTTP: paced along the plan's waves in reverse, pausable and
/// abortable, honest about what each cluster runs afterwards, and never undoing what a newer change did.
/// Each test uses its own component, pipeline and clusters.
/// </summary>
public sealed class RollbackTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task Rollback_RunsTheTouchedWavesInReverseWithTheirConcurrency_AndLeavesReleasesAndDriftTrue()
    {
        string[] canary = ["test-hangzhou-01"], rest = ["test-shanghai-01", "test-beijing-01", "test-hangzhou-02"];
        await world.RegisterAsync([.. canary, .. rest]);
        await _alice.CreateComponentAsync("web-reverse", "web-reverse", ("1.0", "nginx:1.26"), ("2.0", "nginx:1.27"));
        // 1.0 reaches all but one cluster: rolling 2.0 back restores 1.0 there and removes the objects from the last one.
        await _bob.CreatePipelineAsync("reverse-old", ChangeApi.Wave("all", [.. canary, .. rest[..2]], maxConcurrency: 3));
        await _bob.CreatePipelineAsync("reverse-path", ChangeApi.Wave("canary", canary, maxConcurrency: 1, minSuccessSeconds: 1, canary: true),
            ChangeApi.Wave("rest", rest, maxConcurrency: 2, minSuccessSeconds: 1));
        await RollOutAsync("web 1.0", "web-reverse", "1.0", "reverse-old");
        var id = await RollOutAsync("web 2.0", "web-reverse", "2.0", "reverse-path");

        var preview = await RollbackPlanAsync(id);
        Assert.Equal(4, preview["clusterCount"]!.GetValue<int>());
        Assert.Equal(["rollback of rest", "rollback of canary"], Names(preview["waves"]!, "name"));
        var restored = Assert.Single(preview["restored"]!.AsArray())!;
        Assert.Equal("1.0", restored["version"]!.GetValue<string>());
        Assert.Equal([.. new[] { canary[0], rest[0], rest[1] }.Order(StringComparer.Ordinal)], Strings(restored["clusters"]!));
        Assert.Equal([rest[2]], Strings(preview["removed"]!));

        using (var rollback = await _bob.ActAsync(id, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        var done = await _bob.WaitForStatusAsync(id, "RolledBack");

        var waves = done["rollbackWaves"]!.AsArray();
        Assert.Equal(["rollback of rest", "rollback of canary"], Names(waves, "name"));
        var undoRest = Steps(waves[0]!);
        var undoCanary = Assert.Single(Steps(waves[1]!));
        Assert.True(MostInFlightAtOnce(undoRest) <= 2, "the rest wave's maxConcurrency of 2 holds while rolling back");
        Assert.True(undoCanary.Started >= undoRest.Max(s => s.Finished), "the canary is undone only after the later wave is");
        Assert.Equal([2, 1], waves.Select(w => w!["maxConcurrency"]!.GetValue<int>()));
        // A rolled-back change does not look green: its forward waves say they were rolled back.
        Assert.All(done["waves"]!.AsArray(), w => Assert.Equal("RolledBack", w!["status"]!.GetValue<string>()));
        var listed = await ListedAsync(id);
        Assert.True(listed["progressOfRollback"]!.GetValue<bool>());
        Assert.Equal((4, 4), (listed["clustersDone"]!.GetValue<int>(), listed["clustersTotal"]!.GetValue<int>()));

        foreach (var cluster in new[] { canary[0], rest[0], rest[1] })
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-reverse", "web-reverse"));
        Assert.Null(await world.Fleet.DeploymentImageAsync(rest[2], "web-reverse", "web-reverse"));

        // What each cluster runs is what the rollback left, and a sync finds no drift against it.
        foreach (var cluster in new[] { rest[0], rest[2] })
            using (var sync = await _bob.PostAsync($"/api/v1/clusters/{cluster}/sync", null))
                Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        var releases = await Eventually.UntilAsync(() => ReleasesAsync("web-reverse"),
            items => items.Any(r => r!["cluster"]!.GetValue<string>() == rest[0] && r["driftCheckedAt"] is not null
                && DateTimeOffset.Parse(r["driftCheckedAt"]!.GetValue<string>()) > undoCanary.Finished),
            $"a drift check of {rest[0]} after the rollback");
        Assert.Equal([.. new[] { canary[0], rest[0], rest[1] }.Order(StringComparer.Ordinal)], Names(releases, "cluster").Order(StringComparer.Ordinal));
        Assert.All(releases, r => Assert.Equal("1.0", r!["version"]!.GetValue<string>()));
        Assert.All(releases, r => Assert.Null(r!["drift"]));
    }

    [Fact]
    public async Task Rollback_PausedMidway_WaitsAndResumesAsARollback()
    {
        string[] clusters = ["test-shanghai-02", "test-beijing-02"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-pausedundo", "web-pausedundo", ("1.0", "nginx:1.26"));
        // The later wave's soak (5 s, under the 30 s cap) holds the rollback between its waves: time to pause it there.
        await _bob.CreatePipelineAsync("pausedundo-path", ChangeApi.Wave("first", [clusters[0]]), ChangeApi.Wave("second", [clusters[1]], minSuccessSeconds: 5));
        var id = await RollOutAsync("web 1.0", "web-pausedundo", "1.0", "pausedundo-path");

        using (var rollback = await _bob.ActAsync(id, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        await Eventually.UntilAsync(() => _bob.GetChangeAsync(id), c => WaveStatus(c, 0) == "Soaking", "the first rollback wave to soak");
        using (var pause = await _bob.ActAsync(id, "pause"))
            await pause.ExpectJsonAsync(HttpStatusCode.OK, "pausing the rollback");

        var paused = await _bob.GetChangeAsync(id);
        Assert.Equal("Paused", paused["status"]!.GetValue<string>());
        Assert.True(paused["rollingBack"]!.GetValue<bool>());
        Assert.Equal("Pending", Steps(paused["rollbackWaves"]![1]!).Single().Status);
        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(clusters[0], "web-pausedundo", "web-pausedundo"));

        using (var resume = await _bob.ActAsync(id, "resume"))
            await resume.ExpectJsonAsync(HttpStatusCode.OK, "resuming the rollback");
        var done = await _bob.WaitForStatusAsync(id, "RolledBack");
        Assert.All(done["rollbackWaves"]!.AsArray(), w => Assert.Equal("Succeeded", w!["status"]!.GetValue<string>()));
        foreach (var cluster in clusters)
            Assert.Null(await world.Fleet.DeploymentImageAsync(cluster, "web-pausedundo", "web-pausedundo"));
    }

    [Fact]
    public async Task Rollback_AbortedMidway_EndsAborted_SayingWhichClustersItDidNotReach()
    {
        string[] clusters = ["test-hangzhou-03", "test-beijing-03"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-abortundo", "web-abortundo", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("abortundo-path", ChangeApi.Wave("first", [clusters[0]]), ChangeApi.Wave("second", [clusters[1]], minSuccessSeconds: 5));
        var id = await RollOutAsync("web 1.0", "web-abortundo", "1.0", "abortundo-path");

        using (var rollback = await _bob.ActAsync(id, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        await Eventually.UntilAsync(() => _bob.GetChangeAsync(id), c => WaveStatus(c, 0) == "Soaking", "the first rollback wave to soak");
        using (var abort = await _bob.ActAsync(id, "abort"))
            await abort.ExpectJsonAsync(HttpStatusCode.OK, "aborting the rollback");

        var aborted = await _bob.GetChangeAsync(id);
        Assert.Equal("Aborted", aborted["status"]!.GetValue<string>());
        var reason = aborted["statusReason"]!.GetValue<string>();
        Assert.Contains("mid-rollback", reason);
        Assert.Contains(clusters[0], reason);
        Assert.Equal("Skipped", Steps(aborted["rollbackWaves"]![1]!).Single().Status);
        // The cluster the rollback never reached keeps the change; the one it undid does not.
        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(clusters[0], "web-abortundo", "web-abortundo"));
        Assert.Null(await world.Fleet.DeploymentImageAsync(clusters[1], "web-abortundo", "web-abortundo"));
        using (var again = await _bob.ActAsync(id, "rollback"))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Rollback_AllAtOnce_NeedsAReason_AndRunsEveryClusterInOneUnpacedWave()
    {
        string[] clusters = ["staging-hangzhou-01", "staging-shanghai-01", "staging-beijing-01"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-allatonce", "web-allatonce", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("allatonce-path", ChangeApi.Wave("first", [clusters[0]], maxConcurrency: 1, minSuccessSeconds: 1),
            ChangeApi.Wave("rest", clusters[1..], maxConcurrency: 1));
        var id = await RollOutAsync("web 1.0", "web-allatonce", "1.0", "allatonce-path");

        using (var unexplained = await _bob.PostAsJsonAsync($"/api/v1/changes/{id}/rollback", new { allAtOnce = true }))
            Assert.Equal(HttpStatusCode.BadRequest, unexplained.StatusCode);
        using (var rollback = await _bob.PostAsJsonAsync($"/api/v1/changes/{id}/rollback", new { allAtOnce = true, reason = "outage on every cluster" }))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back all at once");
        var done = await _bob.WaitForStatusAsync(id, "RolledBack");

        var wave = Assert.Single(done["rollbackWaves"]!.AsArray())!;
        Assert.Equal(3, wave["maxConcurrency"]!.GetValue<int>());
        Assert.Equal(0, wave["minSuccessSeconds"]!.GetValue<int>());
        Assert.Equal(3, MostInFlightAtOnce(Steps(wave)));
        var started = await _bob.AuditAsync("change.rollback-started");
        Assert.Contains(started, e => e!["target"]!.GetValue<string>() == $"change/{id}"
            && e["details"]!.GetValue<string>().Contains("all at once") && e["details"]!.GetValue<string>().Contains("outage on every cluster"));
    }

    [Fact]
    public async Task Rollback_LeavesAClusterANewerChangeMoved_AndNamesIt()
    {
        string[] clusters = ["prod-hangzhou-01", "staging-hangzhou-02"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-moved", "web-moved", ("1.0", "nginx:1.26"), ("2.0", "nginx:1.27"));
        await _bob.CreatePipelineAsync("moved-both", ChangeApi.Wave("both", clusters));
        await _bob.CreatePipelineAsync("moved-one", ChangeApi.Wave("one", [clusters[1]]));
        var older = await RollOutAsync("web 1.0", "web-moved", "1.0", "moved-both");
        var newer = await RollOutAsync("web 2.0", "web-moved", "2.0", "moved-one");

        var preview = await RollbackPlanAsync(older);
        Assert.Equal([clusters[0]], Strings(preview["removed"]!));
        Assert.Equal([clusters[0]], Strings(preview["tierZero"]!));
        var skipped = Assert.Single(preview["skipped"]!.AsArray())!;
        Assert.Equal(clusters[1], skipped["cluster"]!.GetValue<string>());
        Assert.Contains($"change #{newer}", skipped["why"]!.GetValue<string>());

        using (var rollback = await _bob.ActAsync(older, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        await _bob.WaitForStatusAsync(older, "RolledBack");

        Assert.Null(await world.Fleet.DeploymentImageAsync(clusters[0], "web-moved", "web-moved"));
        Assert.Equal("nginx:1.27", await world.Fleet.DeploymentImageAsync(clusters[1], "web-moved", "web-moved"));
        var started = await _bob.AuditAsync("change.rollback-started");
        Assert.Contains(started, e => e!["target"]!.GetValue<string>() == $"change/{older}" && e["details"]!.GetValue<string>().Contains(clusters[1]));
        var releases = await ReleasesAsync("web-moved");
        Assert.Equal(("staging-hangzhou-02", "2.0"), (Assert.Single(releases)!["cluster"]!.GetValue<string>(), releases[0]!["version"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rollback_AsksTheDefenderBeforeEachDelete_AndStopsWhereTheBudgetRunsOut()
    {
        const string cluster = "staging-shanghai-02";
        await world.RegisterAsync(cluster);
        using (var component = await _alice.PostAsJsonAsync("/api/v1/components", new { name = "web-guarded", @namespace = "web", description = "three objects" }))
            await component.ExpectJsonAsync(HttpStatusCode.Created, "creating the component");
        using (var version = await _alice.PostAsJsonAsync("/api/v1/components/web-guarded/versions", new { version = "1.0", manifests = SampleManifests.Web() }))
            await version.ExpectJsonAsync(HttpStatusCode.Created, "adding its only version");
        await _bob.CreatePipelineAsync("guarded-path", ChangeApi.Wave("only", [cluster]));
        var id = await RollOutAsync("web 1.0", "web-guarded", "1.0", "guarded-path");
        // Rolling back the first version removes its three objects; the cluster's budget has room for two deletes.
        using (var budget = await _bob.PostAsJsonAsync("/api/v1/defender/budgets", new
               {
                   name = "guarded-deletes", scope = new { clusters = new[] { cluster } }, resources = new[] { "namespaces", "configmaps", "deployments" },
                   verbs = new[] { "delete" }, limits = new Dictionary<string, int> { ["1h"] = 2 },
               }))
            await budget.ExpectJsonAsync(HttpStatusCode.Created, "creating the budget");

        using (var rollback = await _bob.ActAsync(id, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        var failed = await _bob.WaitForStatusAsync(id, "Failed");

        var step = failed["rollbackWaves"]![0]!["clusters"]![0]!;
        Assert.Equal("Failed", step["status"]!.GetValue<string>());
        Assert.Contains("defender budget 'guarded-deletes' has no token left in its 1h window (2/2 used)", step["error"]!.GetValue<string>());
        // Workloads go first: the Deployment and the ConfigMap were deleted, the Namespace was refused and is still there.
        Assert.Null(await world.Fleet.GetJsonAsync(cluster, "/apis/apps/v1/namespaces/web/deployments/web"));
        Assert.Null(await world.Fleet.GetJsonAsync(cluster, "/api/v1/namespaces/web/configmaps/web-config"));
        Assert.NotNull(await world.Fleet.GetJsonAsync(cluster, "/api/v1/namespaces/web"));
        using var decisions = await _bob.GetAsync($"/api/v1/defender/decisions?cluster={cluster}");
        var recorded = (await decisions.ExpectJsonAsync(HttpStatusCode.OK, "reading decisions"))["items"]!.AsArray()
            .Select(d => (Resource: d!["resource"]!.GetValue<string>(), Allowed: d["allowed"]!.GetValue<bool>(), Agent: d["userAgent"]!.GetValue<string>(), User: d["user"]!.GetValue<string>()))
            .Reverse().ToList();
        Assert.Equal([("deployments", true), ("configmaps", true), ("namespaces", false)], recorded.Select(d => (d.Resource, d.Allowed)));
        Assert.All(recorded, d => Assert.Equal(("asiops-portal", $"asiops-portal/rollout change-{id}"), (d.User, d.Agent)));
    }

    private sealed record StepTimes(string Cluster, string Status, DateTimeOffset Started, DateTimeOffset Finished);

    private async Task<long> RollOutAsync(string title, string component, string version, string pipeline)
    {
        var id = await _alice.ProposeOkAsync(title, component, version, pipeline);
        // A change reaching tier 0 is critical: it needs a second SRE and an Admin too.
        foreach (var approver in new[] { "bob", "carol", "admin" })
            if ((await world.Portal.ApiClient(approver).ApproveOkAsync(id))["status"]!.GetValue<string>() != "PendingApproval") break;
        await _bob.WaitForStatusAsync(id, "Succeeded");
        return id;
    }

    private async Task<JsonNode> RollbackPlanAsync(long id)
    {
        using var response = await _bob.GetAsync($"/api/v1/changes/{id}/rollback-plan");
        return await response.ExpectJsonAsync(HttpStatusCode.OK, "reading the rollback plan");
    }

    private async Task<JsonArray> ReleasesAsync(string component)
    {
        using var response = await _bob.GetAsync($"/api/v1/components/{component}/clusters");
        return (await response.ExpectJsonAsync(HttpStatusCode.OK, "reading releases"))["items"]!.AsArray();
    }

    private async Task<JsonNode> ListedAsync(long id)
    {
        using var response = await _bob.GetAsync("/api/v1/changes");
        return (await response.ExpectJsonAsync(HttpStatusCode.OK, "listing changes"))["items"]!.AsArray().Single(c => c!["id"]!.GetValue<long>() == id)!;
    }

    private static string? WaveStatus(JsonNode change, int index) =>
        change["rollbackWaves"]!.AsArray() is { Count: > 0 } waves && waves.Count > index ? waves[index]!["status"]!.GetValue<string>() : null;

    private static List<StepTimes> Steps(JsonNode wave) =>
        wave["clusters"]!.AsArray().Select(c => new StepTimes(c!["name"]!.GetValue<string>(), c["status"]!.GetValue<string>(),
            c["startedAt"] is { } s ? DateTimeOffset.Parse(s.GetValue<string>()) : DateTimeOffset.MaxValue,
            c["finishedAt"] is { } f ? DateTimeOffset.Parse(f.GetValue<string>()) : DateTimeOffset.MaxValue)).ToList();

    /// <summary>The most steps whose [started, finished) spans overlap at one moment.</summary>
    private static int MostInFlightAtOnce(IReadOnlyList<StepTimes> steps) =>
        steps.Max(s => steps.Count(t => t.Started <= s.Started && t.Finished > s.Started));

    private static List<string> Names(JsonNode items, string property) =>
        items.AsArray().Select(i => i![property]!.GetValue<string>()).ToList();

    private static List<string> Strings(JsonNode items) => items.AsArray().Select(i => i!.GetValue<string>()).ToList();
}
