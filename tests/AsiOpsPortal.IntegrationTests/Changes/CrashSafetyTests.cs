extern alias fleetsim;

using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Changes;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>A worker dies right after applying to a cluster, before it could record that; a new portal process finishes the rollout.</summary>
public sealed class CrashSafetyTests
{
    private static readonly string[] Clusters = ["test-hangzhou-01", "test-shanghai-01", "test-beijing-01", "staging-hangzhou-01"];
    private const string Victim = "test-beijing-01";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Portal:RolloutPollInterval"] = "00:00:00.100",
        ["Portal:RolloutWatchdogInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task Rollout_AppliesEachObjectOncePerClusterAndCompletes_WhenTheWorkerDiesBetweenApplyAndRecord()
    {
        await using var fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", ConvergenceDelay = TimeSpan.FromMilliseconds(200) });
        var dying = new DiesAfterApplying(Victim);
        var first = await PortalFactory.CreateAsync("integration crash safety", Settings, services: s => s.AddSingleton<IClusterClient>(sp =>
            dying.Around(new KubernetesClusterClient(sp.GetRequiredService<IOptions<ClusterClientOptions>>()))));
        PortalFactory? second = null;
        try
        {
            var bob = first.ApiClient("bob");
            foreach (var name in Clusters) await bob.RegisterAsync(fleet, fleet.Clusters.Single(c => c.Name == name));
            await bob.CreateComponentAsync("web-crash", "web-crash", ("1.0", "nginx:1.26"));
            await bob.CreatePipelineAsync("crash-path", ChangeApi.Wave("first", Clusters[..2], maxConcurrency: 2), ChangeApi.Wave("second", Clusters[2..], maxConcurrency: 1));
            fleet.ClearRequestLog();
            var id = await first.ApiClient("alice").ProposeOkAsync("survives a crash", "web-crash", "1.0", "crash-path");
            await bob.ApproveOkAsync(id);

            await Eventually.WithinAsync(dying.Applied, TimeSpan.FromSeconds(60), $"the apply to {Victim}");
            // The worker is now stuck between the apply and its record: stop the whole process under it, start another.
            second = await first.RestartAsync();

            var done = await second.ApiClient("bob").WaitForStatusAsync(id, "Succeeded");

            Assert.All(ChangeApi.StepStatuses(done).Values, s => Assert.Equal("Succeeded", s));
            foreach (var cluster in Clusters)
            {
                var applies = fleet.RequestLog(cluster).Where(r => r.Method == "PATCH").GroupBy(r => r.Path).ToList();
                Assert.Equal(2, applies.Count); // the Namespace and the Deployment
                Assert.All(applies, objectApplies => Assert.True(objectApplies.Count() == 1,
                    $"{cluster}: {objectApplies.Key} was applied {objectApplies.Count()} times."));
                Assert.Equal("nginx:1.26", await fleet.DeploymentImageAsync(cluster, "web-crash", "web-crash"));
            }
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            else await first.DisposeAsync();
        }
    }

    [Fact]
    public async Task Rollback_AppliesEachObjectOncePerClusterAndCompletes_WhenTheWorkerDiesMidRollback()
    {
        await using var fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", ConvergenceDelay = TimeSpan.FromMilliseconds(200) });
        // Dies on the rollback's apply to the victim, which sits in the wave the rollback undoes first.
        var dying = new DiesAfterApplying(Victim, stepStampContains: $"/{RolloutPhase.Rollback}/");
        var first = await PortalFactory.CreateAsync("integration crash safety rollback", Settings, services: s => s.AddSingleton<IClusterClient>(sp =>
            dying.Around(new KubernetesClusterClient(sp.GetRequiredService<IOptions<ClusterClientOptions>>()))));
        PortalFactory? second = null;
        try
        {
            var bob = first.ApiClient("bob");
            foreach (var name in Clusters) await bob.RegisterAsync(fleet, fleet.Clusters.Single(c => c.Name == name));
            await bob.CreateComponentAsync("web-crash-undo", "web-crash-undo", ("1.0", "nginx:1.26"), ("2.0", "nginx:1.27"));
            await bob.CreatePipelineAsync("crash-undo-path", ChangeApi.Wave("first", Clusters[..2], maxConcurrency: 2), ChangeApi.Wave("second", Clusters[2..], maxConcurrency: 1));
            long id = 0;
            foreach (var version in new[] { "1.0", "2.0" })
            {
                id = await first.ApiClient("alice").ProposeOkAsync($"web {version}", "web-crash-undo", version, "crash-undo-path");
                await bob.ApproveOkAsync(id);
                await bob.WaitForStatusAsync(id, "Succeeded");
            }
            fleet.ClearRequestLog();
            using (var rollback = await bob.ActAsync(id, "rollback"))
                Assert.True(rollback.IsSuccessStatusCode, $"rollback answered {(int)rollback.StatusCode}");

            await Eventually.WithinAsync(dying.Applied, TimeSpan.FromSeconds(60), $"the rollback's apply to {Victim}");
            second = await first.RestartAsync();

            await second.ApiClient("bob").WaitForStatusAsync(id, "RolledBack");
            foreach (var cluster in Clusters)
            {
                var applies = fleet.RequestLog(cluster).Where(r => r.Method == "PATCH").GroupBy(r => r.Path).ToList();
                Assert.Equal(2, applies.Count); // the Namespace and the Deployment
                Assert.All(applies, objectApplies => Assert.True(objectApplies.Count() == 1,
                    $"{cluster}: {objectApplies.Key} was applied {objectApplies.Count()} times by the rollback."));
                Assert.Equal("nginx:1.26", await fleet.DeploymentImageAsync(cluster, "web-crash-undo", "web-crash-undo"));
            }
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            else await first.DisposeAsync();
        }
    }

    /// <summary>
    /// The real client, except that the first apply to one cluster (of a step whose stamp holds <paramref name="stepStampContains"/>,
    /// when given) never returns: a worker that died right after it.
    /// </summary>
    private sealed class DiesAfterApplying(string victim, string? stepStampContains = null)
    {
        private readonly TaskCompletionSource<bool> _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<bool> Applied => _applied.Task;

        public IClusterClient Around(IClusterClient inner) => new Client(inner, this);

        private sealed class Client(IClusterClient inner, DiesAfterApplying owner) : IClusterClient
        {
            public Task<ClusterProbe> ProbeAsync(ClusterTarget target, CancellationToken ct) => inner.ProbeAsync(target, ct);
            public Task<NodePage> ListNodesAsync(ClusterTarget target, int limit, string? continueToken, CancellationToken ct) => inner.ListNodesAsync(target, limit, continueToken, ct);
            public Task<LiveObject?> GetObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct) => inner.GetObjectAsync(target, obj, ct);
            public Task<LiveObject?> WatchObjectAsync(ClusterTarget target, ObjectRef obj, Func<LiveObject?, bool> until, TimeSpan maxWait, CancellationToken ct) =>
                inner.WatchObjectAsync(target, obj, until, maxWait, ct);
            public Task DeleteObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct) => inner.DeleteObjectAsync(target, obj, ct);
            public void Forget(Guid clusterId) => inner.Forget(clusterId);

            public async Task ApplyAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, string fieldManager, IReadOnlyDictionary<string, string> annotations, CancellationToken ct)
            {
                await inner.ApplyAsync(target, objects, fieldManager, annotations, ct);
                var chosen = owner.StampContains is not { } wanted
                    || (annotations.TryGetValue(RolloutRunner.StepAnnotation, out var stamp) && stamp.Contains(wanted, StringComparison.Ordinal));
                if (target.Name == owner.Victim && chosen && owner._applied.TrySetResult(true))
                    await Task.Delay(Timeout.Infinite, ct);
            }
        }

        private string Victim { get; } = victim;
        private string? StampContains { get; } = stepStampContains;
    }
}
