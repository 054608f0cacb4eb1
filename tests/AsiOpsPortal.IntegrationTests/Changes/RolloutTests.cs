extern alias fleetsim;

using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>
/// Changes from proposal to the end of their rollout on real PostgreSQL, Hangfire on PostgreSQL and FleetSim over HTTP.
/// Each test uses its own component, pipeline and clusters.
/// </summary>
public sealed class RolloutTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _carol = world.Portal.ApiClient("carol");
    private readonly HttpClient _dave = world.Portal.ApiClient("dave");

    [Fact]
    public async Task Change_RollsOutWaveByWaveToSucceeded_WithTheImageOnEveryCluster()
    {
        string[] canary = ["test-hangzhou-01"], rest = ["test-shanghai-01", "test-beijing-01"];
        await world.RegisterAsync([.. canary, .. rest]);
        await _alice.CreateComponentAsync("web-full", "web-full", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("full-path", ChangeApi.Wave("canary", canary, canary: true), ChangeApi.Wave("rest", rest, maxConcurrency: 2));

        var id = await _alice.ProposeOkAsync("web 1.0 to test", "web-full", "1.0", "full-path");
        var proposed = await _alice.GetChangeAsync(id);
        Assert.Equal("low", proposed["riskLevel"]!.GetValue<string>());
        Assert.Equal(["canary", "rest"], proposed["waves"]!.AsArray().Select(w => w!["name"]!.GetValue<string>()));

        await _bob.ApproveOkAsync(id);
        var done = await _bob.WaitForStatusAsync(id, "Succeeded");

        Assert.All(ChangeApi.StepStatuses(done).Values, status => Assert.Equal("Succeeded", status));
        foreach (var cluster in canary.Concat(rest))
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-full", "web-full"));
        var finished = await _bob.AuditAsync("change.finished");
        Assert.Contains(finished, e => e!["target"]!.GetValue<string>() == $"change/{id}");

        // The catalog knows which version each cluster runs, and the next sync flags a hand-made change as drift.
        await world.Fleet.SetDeploymentImageAsync(rest[0], "web-full", "web-full", "nginx:1.25");
        using (var sync = await _bob.PostAsync($"/api/v1/clusters/{rest[0]}/sync", null))
            Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        var releases = await Eventually.UntilAsync(async () =>
            {
                using var response = await _bob.GetAsync("/api/v1/components/web-full/clusters");
                return (await response.ExpectJsonAsync(HttpStatusCode.OK, "reading releases"))["items"]!.AsArray();
            },
            items => items.Any(r => r!["cluster"]!.GetValue<string>() == rest[0] && r["drift"] is not null),
            $"drift on {rest[0]}");
        Assert.Equal(3, releases.Count);
        Assert.All(releases, r => Assert.Equal("1.0", r!["version"]!.GetValue<string>()));
        var drifted = releases.Single(r => r!["cluster"]!.GetValue<string>() == rest[0])!;
        Assert.Contains("runs nginx:1.25", drifted["drift"]!.GetValue<string>());
    }

    [Fact]
    public async Task Review_RefusesTheRequesterAndNonSres_AndNeedsTwoSresForProduction()
    {
        string[] clusters = ["prod-hangzhou-03"];
        await world.RegisterAsync(clusters);
        await _bob.CreateComponentAsync("web-review", "web-review", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("review-path", ChangeApi.Wave("prod", clusters));

        // bob (an SRE) proposes; he may not approve his own change.
        using var proposed = await _bob.ProposeAsync("web to prod", "web-review", "1.0", "review-path");
        var change = await proposed.ExpectJsonAsync(HttpStatusCode.Created, "proposing");
        var id = change["id"]!.GetValue<long>();
        Assert.Equal("high", change["riskLevel"]!.GetValue<string>());

        using (var self = await _bob.ReviewAsync(id, "approve"))
            Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        using (var viewer = await _dave.ReviewAsync(id, "approve"))
            Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        using (var developer = await _alice.ReviewAsync(id, "approve"))
            Assert.Equal(HttpStatusCode.Forbidden, developer.StatusCode);

        var first = await _carol.ApproveOkAsync(id);
        Assert.Equal("PendingApproval", first["status"]!.GetValue<string>());
        using (var twice = await _carol.ReviewAsync(id, "approve"))
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        var admin = world.Portal.ApiClient("admin");
        var second = await admin.ApproveOkAsync(id);
        Assert.NotEqual("PendingApproval", second["status"]!.GetValue<string>());
        await _bob.WaitForStatusAsync(id, "Succeeded");
    }

    [Fact]
    public async Task Review_RejectNeedsAReason_AndEndsTheChange()
    {
        string[] clusters = ["test-hangzhou-02"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-reject", "web-reject", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("reject-path", ChangeApi.Wave("only", clusters));
        var id = await _alice.ProposeOkAsync("to be rejected", "web-reject", "1.0", "reject-path");

        using (var bare = await _bob.ReviewAsync(id, "reject"))
            Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        using (var rejected = await _bob.ReviewAsync(id, "reject", "wrong week for this"))
            Assert.Equal("Rejected", (await rejected.ExpectJsonAsync(HttpStatusCode.OK, "rejecting"))["status"]!.GetValue<string>());
        using (var late = await _carol.ReviewAsync(id, "approve"))
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Null(await world.Fleet.DeploymentImageAsync(clusters[0], "web-reject", "web-reject"));
    }

    [Fact]
    public async Task Edit_VoidsApprovalsAlreadyGiven_SoTheNewRevisionNeedsThemAgain()
    {
        string[] clusters = ["prod-shanghai-03"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-edit", "web-edit", ("1.0", "nginx:1.26"), ("1.1", "nginx:1.27"));
        await _bob.CreatePipelineAsync("edit-path", ChangeApi.Wave("prod", clusters));
        var id = await _alice.ProposeOkAsync("web to prod", "web-edit", "1.0", "edit-path");
        await _bob.ApproveOkAsync(id);

        using (var edited = await _alice.PutAsJsonAsync($"/api/v1/changes/{id}", new
               { title = "web 1.1 to prod", reason = "newer fix", rollbackPlan = "roll back", component = "web-edit", version = "1.1", pipeline = "edit-path" }))
        {
            var change = await edited.ExpectJsonAsync(HttpStatusCode.OK, "editing");
            Assert.Equal(2, change["revision"]!.GetValue<int>());
            Assert.Equal("1.1", change["version"]!.GetValue<string>());
            Assert.All(change["approvals"]!.AsArray(), a => Assert.False(a!["current"]!.GetValue<bool>()));
        }
        using (var stranger = await _dave.PutAsJsonAsync($"/api/v1/changes/{id}", new { title = "x" }))
            Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);

        // bob's approval was for revision 1: he may (and must) review again, and one more SRE is still needed.
        var again = await _bob.ApproveOkAsync(id);
        Assert.Equal("PendingApproval", again["status"]!.GetValue<string>());
        await _carol.ApproveOkAsync(id);
        await _bob.WaitForStatusAsync(id, "Succeeded");
        Assert.Equal("nginx:1.27", await world.Fleet.DeploymentImageAsync(clusters[0], "web-edit", "web-edit"));
    }

    [Fact]
    public async Task ChangeDetail_GroupsThePlannedClustersByTheVersionTheyRun_WithOneDiffPerGroup()
    {
        string[] released = ["test-hangzhou-03", "test-shanghai-03"], fresh = ["prod-beijing-02"];
        await world.RegisterAsync([.. released, .. fresh]);
        await _alice.CreateComponentAsync("web-diff", "web-diff", ("1.0", "nginx:1.26"), ("1.1", "nginx:1.27"));
        await _bob.CreatePipelineAsync("diff-first", ChangeApi.Wave("all", released));
        await _bob.CreatePipelineAsync("diff-second", ChangeApi.Wave("canary", [released[0]]), ChangeApi.Wave("rest", [released[1], .. fresh]));
        var first = await _alice.ProposeOkAsync("web 1.0 to test", "web-diff", "1.0", "diff-first");
        await _bob.ApproveOkAsync(first);
        await _bob.WaitForStatusAsync(first, "Succeeded");

        var second = await _alice.GetChangeAsync(await _alice.ProposeOkAsync("web 1.1 everywhere", "web-diff", "1.1", "diff-second"));

        var diffs = second["diffs"]!.AsArray();
        Assert.Equal(["A", "B"], diffs.Select(d => d!["group"]!.GetValue<string>()));
        var (upgrade, install) = (diffs[0]!, diffs[1]!);
        Assert.Equal(("1.0", "1.1"), (upgrade["from"]!.GetValue<string>(), upgrade["to"]!.GetValue<string>()));
        Assert.Equal(released, upgrade["clusters"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(["Deployment web-diff"], upgrade["objects"]!.AsArray().Select(o => o!.GetValue<string>()));
        var changedLines = upgrade["diff"]!["hunks"]!.AsArray().SelectMany(h => h!["lines"]!.AsArray())
            .Where(l => l!["kind"]!.GetValue<string>() != "Unchanged")
            .Select(l => $"{l!["kind"]!.GetValue<string>()} {l["text"]!.GetValue<string>().Trim()}");
        Assert.Equal(["Removed image: nginx:1.26", "Added image: nginx:1.27"], changedLines);

        Assert.Null(install["from"]);
        Assert.True(install["currentStateKnown"]!.GetValue<bool>());
        Assert.Equal(fresh, install["clusters"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(["Namespace web-diff", "Deployment web-diff"], install["objects"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(0, install["diff"]!["removed"]!.GetValue<int>());

        // The existing per-cluster fields stay as scripts read them; the group is an extra field beside them.
        var clusters = second["waves"]!.AsArray().SelectMany(w => w!["clusters"]!.AsArray()).ToDictionary(c => c!["name"]!.GetValue<string>());
        Assert.Equal(("1.0", "1.1", "A"), (clusters[released[1]]!["from"]!.GetValue<string>(), clusters[released[1]]!["to"]!.GetValue<string>(),
            clusters[released[1]]!["diffGroup"]!.GetValue<string>()));
        Assert.Equal("B", clusters[fresh[0]]!["diffGroup"]!.GetValue<string>());
    }

    [Fact]
    public async Task BrokenImage_PausesTheRolloutInItsFirstWave_AndRollbackRestoresThePreviousImage()
    {
        string[] canary = ["staging-hangzhou-01"], later = ["staging-shanghai-01", "staging-beijing-01"];
        await world.RegisterAsync([.. canary, .. later]);
        await _alice.CreateComponentAsync("web-broken", "web-broken", ("1.0", "nginx:1.26"), ("2.0", "nginx:1.27-broken"));
        await _bob.CreatePipelineAsync("broken-path", ChangeApi.Wave("canary", canary, canary: true, progressDeadlineSeconds: 10), ChangeApi.Wave("later", later));

        var good = await _alice.ProposeOkAsync("web 1.0", "web-broken", "1.0", "broken-path");
        await _bob.ApproveOkAsync(good);
        await _bob.WaitForStatusAsync(good, "Succeeded");

        var bad = await _alice.ProposeOkAsync("web 2.0", "web-broken", "2.0", "broken-path");
        await _bob.ApproveOkAsync(bad);
        var paused = await _bob.WaitForStatusAsync(bad, "Paused");

        Assert.Contains("canary", paused["statusReason"]!.GetValue<string>());
        var steps = ChangeApi.StepStatuses(paused);
        Assert.Equal("Failed", steps[canary[0]]);
        Assert.All(later, c => Assert.Equal("Pending", steps[c]));
        Assert.Equal("nginx:1.27-broken", await world.Fleet.DeploymentImageAsync(canary[0], "web-broken", "web-broken"));
        foreach (var cluster in later)
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-broken", "web-broken"));

        using (var rollback = await _bob.ActAsync(bad, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        var rolledBack = await _bob.WaitForStatusAsync(bad, "RolledBack");

        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(canary[0], "web-broken", "web-broken"));
        var rollbackWave = Assert.Single(rolledBack["rollbackWaves"]!.AsArray());
        Assert.Equal([canary[0]], rollbackWave!["clusters"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Contains(await _bob.AuditAsync("change.rollback-started"), e => e!["target"]!.GetValue<string>() == $"change/{bad}");
    }

    [Fact]
    public async Task PauseAndResume_StopNewClustersAndCarryOn()
    {
        string[] clusters = ["test-shanghai-02", "test-beijing-02", "test-beijing-03"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-pause", "web-pause", ("1.0", "nginx:1.26"));
        // One at a time with a soak, so there is time to pause between clusters.
        await _bob.CreatePipelineAsync("pause-path", ChangeApi.Wave("first", [clusters[0]], minSuccessSeconds: 2), ChangeApi.Wave("rest", clusters[1..]));
        var id = await _alice.ProposeOkAsync("pausable", "web-pause", "1.0", "pause-path");
        await _bob.ApproveOkAsync(id);

        using (var pause = await _bob.ActAsync(id, "pause"))
            await pause.ExpectJsonAsync(HttpStatusCode.OK, "pausing");
        using (var viewerPause = await _dave.ActAsync(id, "resume"))
            Assert.Equal(HttpStatusCode.Forbidden, viewerPause.StatusCode);
        // The pause is a row; the runner sees it at its next tick and lets go. Once it has, nothing moves on by itself:
        // had the runner ignored the pause, it would have carried on to the end before letting go.
        await world.RolloutLetGoAsync(id);
        var paused = await _bob.GetChangeAsync(id);
        Assert.Equal("Paused", paused["status"]!.GetValue<string>());
        Assert.All(clusters[1..], c => Assert.Equal("Pending", ChangeApi.StepStatuses(paused)[c]));
        foreach (var cluster in clusters[1..])
            Assert.Null(await world.Fleet.DeploymentImageAsync(cluster, "web-pause", "web-pause"));
        using (var again = await _bob.ActAsync(id, "pause"))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using (var resume = await _carol.ActAsync(id, "resume"))
            await resume.ExpectJsonAsync(HttpStatusCode.OK, "resuming");
        await _bob.WaitForStatusAsync(id, "Succeeded");
    }

    [Fact]
    public async Task SlowCluster_FailsAtItsOwnDeadline_WithoutHoldingUpTheOthers()
    {
        string[] clusters = ["staging-hangzhou-02", "staging-shanghai-02", "staging-beijing-02"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-slow", "web-slow", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("slow-path", ChangeApi.Wave("all", clusters, maxConcurrency: 3, progressDeadlineSeconds: 10, maxFailures: "1"));
        world.Fleet.SetFault(clusters[0], new fleetsim::AsiOpsPortal.FleetSim.SimFault { Latency = TimeSpan.FromSeconds(30) });
        try
        {
            var id = await _alice.ProposeOkAsync("one slow cluster", "web-slow", "1.0", "slow-path");
            await _bob.ApproveOkAsync(id);

            var done = await _bob.WaitForStatusAsync(id, "Failed");

            var steps = ChangeApi.StepStatuses(done);
            Assert.Equal("Failed", steps[clusters[0]]);
            Assert.Equal("Succeeded", steps[clusters[1]]);
            Assert.Equal("Succeeded", steps[clusters[2]]);
            Assert.Contains(clusters[0], done["statusReason"]!.GetValue<string>());
        }
        finally
        {
            world.Fleet.SetFault(clusters[0], fleetsim::AsiOpsPortal.FleetSim.SimFault.None);
        }
    }
}
