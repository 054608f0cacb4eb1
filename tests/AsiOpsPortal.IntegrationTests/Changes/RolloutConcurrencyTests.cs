extern alias fleetsim;

using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Changes;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>
/// Many rollouts at once on PostgreSQL, Hangfire and FleetSim: changes of one component take turns on a cluster, a step
/// claims only what it put there, and soaking rollouts hold no worker, so other jobs (a cluster's sync) are not starved.
/// </summary>
public sealed class RolloutConcurrencyTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task TwoChangesOfOneComponent_TakeTurnsOnEachCluster_TheLaterWaitingForTheEarlier()
    {
        string[] clusters = ["test-hangzhou-01", "test-shanghai-01"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-turns", "web-turns", ("1.26.2", "nginx:1.26"), ("1.27.3", "nginx:1.27"));
        await _bob.CreatePipelineAsync("turns-path", ChangeApi.Wave("first", [clusters[0]]), ChangeApi.Wave("second", [clusters[1]]));
        var earlier = await _alice.ProposeOkAsync("web 1.26.2", "web-turns", "1.26.2", "turns-path");
        var later = await _alice.ProposeOkAsync("web 1.27.3", "web-turns", "1.27.3", "turns-path");
        // The first cluster answers slowly, so the earlier change is still at work there when the later one is approved.
        world.Fleet.SetFault(clusters[0], new fleetsim::AsiOpsPortal.FleetSim.SimFault { Latency = TimeSpan.FromMilliseconds(400) });
        try
        {
            await _bob.ApproveOkAsync(earlier);
            // Before its approval, the later change says it will wait.
            var preview = await _alice.GetChangeAsync(later);
            Assert.Contains(preview["waitsForChanges"]!.AsArray(), n => n!.GetValue<string>().StartsWith($"waits for change #{earlier} (web-turns 1.26.2) on ", StringComparison.Ordinal));

            await _bob.ApproveOkAsync(later);
            var waiting = await Eventually.UntilAsync(() => _bob.GetChangeAsync(later), c => c["waitingFor"] is not null, "the later change to wait its turn");
            Assert.Contains($"waits for change #{earlier} (web-turns 1.26.2)", waiting["waitingFor"]!.GetValue<string>());
            Assert.Equal("Pending", ChangeApi.StepStatuses(waiting)[clusters[0]]);
        }
        finally
        {
            world.Fleet.SetFault(clusters[0], fleetsim::AsiOpsPortal.FleetSim.SimFault.None);
        }

        var first = await _bob.WaitForStatusAsync(earlier, "Succeeded");
        var second = await _bob.WaitForStatusAsync(later, "Succeeded");

        // One after the other on each cluster: the earlier change's step ended before the later one's began.
        foreach (var cluster in clusters)
        {
            var (done, started) = (Step(first, cluster)["finishedAt"]!.GetValue<DateTimeOffset>(), Step(second, cluster)["startedAt"]!.GetValue<DateTimeOffset>());
            Assert.True(done <= started, $"on {cluster} the later change started at {started:O}, before the earlier finished at {done:O}");
            Assert.Equal("nginx:1.27", await world.Fleet.DeploymentImageAsync(cluster, "web-turns", "web-turns"));
        }
        using var releases = await _bob.GetAsync("/api/v1/components/web-turns/clusters");
        var items = (await releases.ExpectJsonAsync(HttpStatusCode.OK, "reading releases"))["items"]!.AsArray();
        Assert.All(items, r => Assert.Equal("1.27.3", r!["version"]!.GetValue<string>()));
        Assert.Equal(2, items.Count);
    }

    [Fact]
    public async Task Step_FailsAfterConvergence_WhenAnotherChangesObjectsRunThereInstead()
    {
        string[] clusters = ["test-beijing-01"];
        await world.RegisterAsync(clusters);
        // The change's own image never becomes ready, so the step is still converging when another change's objects land.
        await _alice.CreateComponentAsync("web-overwritten", "web-overwritten", ("2.0", "nginx:1.27-broken"));
        await _bob.CreatePipelineAsync("overwritten-path", ChangeApi.Wave("only", clusters, progressDeadlineSeconds: 60));
        var id = await _alice.ProposeOkAsync("web 2.0", "web-overwritten", "2.0", "overwritten-path");
        await _bob.ApproveOkAsync(id);
        await Eventually.UntilAsync(() => _bob.GetChangeAsync(id), c => ChangeApi.StepStatuses(c)[clusters[0]] == "Converging", "the step to converge");

        // Another change (#999999) applies its version of the same workload on the same cluster, as the portal would.
        var target = new ClusterTarget(Guid.NewGuid(), clusters[0], world.Fleet.Kubeconfig(clusters[0]), Context: "");
        var objects = Manifests.InApplyOrder(Manifests.Parse(SampleManifests.Workload("web-overwritten", "web-overwritten", "nginx:1.26"))
            .Select(o => o.WithNamespace("web-overwritten")));
        await world.Portal.Services.GetRequiredService<IClusterClient>().ApplyAsync(target, objects, RolloutRunner.FieldManager,
            new Dictionary<string, string> { [RolloutRunner.ChangeAnnotation] = "999999" }, CancellationToken.None);

        var paused = await _bob.WaitForStatusAsync(id, "Paused");

        var step = Step(paused, clusters[0]);
        Assert.Equal("Failed", step["status"]!.GetValue<string>());
        Assert.Contains("Deployment web-overwritten converged with objects applied by change #999999", step["error"]!.GetValue<string>());
        using var releases = await _bob.GetAsync("/api/v1/components/web-overwritten/clusters");
        Assert.Empty((await releases.ExpectJsonAsync(HttpStatusCode.OK, "reading releases"))["items"]!.AsArray());
    }

    [Fact]
    public async Task FiftyRolloutsSoaking_HoldNoWorker_AndASyncStillCompletesWithinTwoSeconds()
    {
        string[] clusters = ["staging-hangzhou-01"];
        await world.RegisterAsync(clusters);
        await _bob.CreatePipelineAsync("soak-path", ChangeApi.Wave("only", clusters, minSuccessSeconds: 600));
        var ids = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            var name = $"web-soak-{i:00}";
            await _alice.CreateComponentAsync(name, name, ("1.0", "nginx:1.26"));
            ids.Add(await _alice.ProposeOkAsync($"{name} 1.0", name, "1.0", "soak-path"));
        }
        foreach (var id in ids) await _bob.ApproveOkAsync(id);

        foreach (var id in ids)
            await Eventually.UntilAsync(() => _bob.GetChangeAsync(id), c => c["waves"]![0]!["status"]!.GetValue<string>() == "Soaking",
                $"change {id} to soak", TimeSpan.FromSeconds(60));
        // Soaking, every rollout has let its worker go: no rollout job is being processed.
        var monitoring = world.Portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Eventually.UntilAsync(() => Task.FromResult(monitoring.ProcessingJobs(0, 100).Count(j => j.Value.Job?.Type == typeof(RolloutJob))),
            processing => processing == 0, "no rollout job to hold a worker while all soak");

        // The one timing assertion the issue asks for: starved, a sync took 105 s; the benchmark measures it finer.
        var before = PortalApi.SyncedAt(await _bob.WaitForSyncAsync(clusters[0]))!.Value;
        var watch = Stopwatch.StartNew();
        using (var sync = await _bob.PostAsync($"/api/v1/clusters/{clusters[0]}/sync", null))
            Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        await _bob.WaitForSyncAsync(clusters[0], after: before);
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"Sync now took {watch.Elapsed.TotalSeconds:0.0} s with 50 rollouts soaking (goal: under 2 s).");

        Assert.All(await Task.WhenAll(ids.Select(id => _bob.GetChangeAsync(id))), c => Assert.Equal("Running", c["status"]!.GetValue<string>()));
    }

    private static JsonNode Step(JsonNode change, string cluster) =>
        change["waves"]!.AsArray().SelectMany(w => w!["clusters"]!.AsArray()).Single(c => c!["name"]!.GetValue<string>() == cluster)!;
}
