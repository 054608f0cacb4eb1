extern alias fleetsim;

using System.Diagnostics;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Risk;
using fleetsim::AsiOpsPortal.FleetSim;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// Many rollouts at once, each of its own component, converging and soaking together, while "Sync now" is asked every half
/// second. Measures what must not happen at ASI's scale: rollouts holding Hangfire workers while they only wait, other jobs
/// waiting behind them (pickup of the default queue), and rollouts slowed by each other (wall ÷ ideal of each rollout:
/// its two waves' fixed convergence plus the first wave's soak).
/// </summary>
public sealed class ConcurrentRolloutsScenario : IScenario
{
    private sealed record Size(int Rollouts, int Clusters, TimeSpan Convergence, int SoakSeconds);

    private static readonly Size Full = new(200, 20, TimeSpan.FromSeconds(3), 20);
    private static readonly Size Smoke = new(4, 2, TimeSpan.FromMilliseconds(300), 1);

    public string Name => "rollouts-concurrent";
    public string Description => "200 rollouts of 200 components converging and soaking at once: workers held, default-queue pickup p95, wall / ideal";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Portal:RolloutPollInterval"] = "00:00:00.100",
        ["Portal:QueuePollInterval"] = "00:00:00.200",
        ["Portal:InventorySyncCron"] = "0 0 31 2 *",
        // The deployed default: the tests' 3 s is for failing fast, and 200 applies at once share this machine with FleetSim.
        ["Clusters:Client:RequestTimeout"] = "00:00:10",
    };

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? Full : Smoke;
        Figures.Note($"{Name}: FleetSim with {size.Clusters} light clusters, {size.Rollouts} rollouts, convergence {size.Convergence.TotalSeconds:0.#} s, soak {size.SoakSeconds} s");
        await using var fleet = await FleetSimulator.StartAsync(new FleetSimOptions
        {
            Port = 0, Fleet = "light", LightClusters = size.Clusters, LightNodesPerCluster = 3, ConvergenceDelay = size.Convergence,
        });
        await using var portal = await PortalFactory.CreateAsync($"bench {Name}", Settings);
        await BenchFleet.RegisterAsync(fleet, portal);
        var clusters = fleet.Clusters.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        await PrepareAsync(portal, clusters, size);
        await portal.Services.GetRequiredService<InventorySync>().SyncAllAsync(CancellationToken.None);
        var risk = portal.Services.GetRequiredService<RiskService>();
        foreach (var rule in await risk.ListAsync()) await risk.UpdateAsync(rule.Name, new RiskRuleUpdate(false, null, null, null), RolloutScenario.Operator);
        var proposals = portal.Services.GetRequiredService<ChangeProposals>();
        var reviews = portal.Services.GetRequiredService<ChangeReviews>();

        Figures.Note($"{Name}: a warm-up rollout");
        var warmUp = await proposals.ProposeAsync(new ChangeProposal("warm-up", "benchmark warm-up", "none", "bench-warm", "1.0", "bench-pair-0"), RolloutScenario.Requester);
        await RolloutScenario.ApproveAsync(reviews, warmUp, last: true);
        await RolloutScenario.WaitForEndAsync(portal, warmUp.Id);

        var proposed = new List<ChangeDetail>();
        for (var i = 0; i < size.Rollouts; i++)
        {
            var proposal = new ChangeProposal($"bench {i}", "benchmark", "none", $"bench-c{i:000}", "1.0", $"bench-pair-{i % (clusters.Count / 2)}");
            var change = await proposals.ProposeAsync(proposal, RolloutScenario.Requester);
            await RolloutScenario.ApproveAsync(reviews, change, last: false);
            proposed.Add(change);
        }
        var ids = proposed.Select(c => c.Id).ToList();

        Figures.Note($"{Name}: approving {ids.Count} rollouts; asking a sync every 500 ms meanwhile");
        using var done = new CancellationTokenSource();
        using var commands = new DatabaseCommands();
        var sampler = SampleWorkersAsync(portal, ids, done.Token);
        var syncs = AskSyncsAsync(portal, clusters[0], done.Token);
        await Parallel.ForEachAsync(proposed, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (change, _) =>
        {
            await reviews.ReviewAsync(change.Id, new ReviewRequest("approve", ""), RolloutScenario.Approvers[change.RequiredApprovals - 1]);
        });
        foreach (var id in ids) await RolloutScenario.WaitForEndAsync(portal, id);
        await done.CancelAsync();
        var databaseCommands = commands.Count();
        var (peak, soaking, lockWaiters) = await sampler;
        await syncs;

        await using var db = portal.Db.CreateContext();
        var ended = await db.Changes.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync();
        if (ended.FirstOrDefault(c => c.Status != ChangeStatus.Succeeded) is { } bad)
            throw new InvalidOperationException($"Change {bad.Id} ended {bad.Status}: {bad.StatusReason}");
        var ideal = 2 * size.Convergence + TimeSpan.FromSeconds(size.SoakSeconds);
        var ratios = ended.Select(c => (c.FinishedAt!.Value - c.PlanFrozenAt!.Value) / ideal).ToList();
        var pickups = await RolloutScenario.PickupLatenciesAsync(portal.Db.ConnectionString, nameof(InventorySyncJob));
        var rolloutPickups = await RolloutScenario.PickupLatenciesAsync(portal.Db.ConnectionString);
        var rolloutJobs = await RolloutScenario.PickupLatenciesAsync(portal.Db.ConnectionString, from: "Processing", to: "Succeeded");
        await NoteWhereTimeGoesAsync(db, ended, ideal, size.Convergence);

        figures.Add("rollouts", ids.Count, "count");
        figures.Add("ideal", ideal.TotalSeconds, "s");
        figures.Add("wall_over_ideal", ratios.Max(), "ratio", "<= 1.10");
        figures.Add("wall_over_ideal_median", RolloutScenario.Percentile(ratios, 50), "ratio");
        figures.Add("workers_held_peak", peak, "count");
        figures.Add("workers_held_soaking", soaking, "count", "0");
        figures.Add("audit_lock_waiters_mean", lockWaiters, "count");
        figures.Add("db_commands_per_rollout", (double)databaseCommands / ids.Count, "count");
        figures.Add("job_pickup_p95", RolloutScenario.Percentile(pickups, 95) / 1000, "s", "<= 1");
        figures.Add("syncs", pickups.Count, "count");
        figures.Add("rollout_job_pickup_p95", RolloutScenario.Percentile(rolloutPickups, 95) / 1000, "s");
        figures.Add("rollout_jobs", rolloutPickups.Count, "count");
        figures.Add("rollout_job_duration_median", RolloutScenario.Percentile(rolloutJobs, 50) / 1000, "s");
        figures.Add("rollout_job_duration_p95", RolloutScenario.Percentile(rolloutJobs, 95) / 1000, "s");
    }

    /// <summary>
    /// Where the slowest rollouts' time goes, from their rows: each segment of plan frozen → wave 1 started → applied →
    /// converged recorded → soak ends (wave 1 finished) → wave 2 started → applied → converged recorded → finished, for the
    /// five slowest and the median rollout. Convergence and soak are the fixed parts; everything else is overhead.
    /// </summary>
    private static async Task NoteWhereTimeGoesAsync(PortalDbContext db, List<Change> ended, TimeSpan ideal, TimeSpan convergence)
    {
        var ids = ended.Select(c => c.Id).ToList();
        var waves = await db.RolloutWaves.AsNoTracking().Where(w => ids.Contains(w.ChangeId) && w.Phase == RolloutPhase.Forward).ToListAsync();
        var steps = await db.RolloutSteps.AsNoTracking().Where(s => ids.Contains(s.ChangeId) && s.Phase == RolloutPhase.Forward).ToListAsync();
        string Segments(Change c)
        {
            var (w1, w2) = (waves.Single(w => w.ChangeId == c.Id && w.Index == 0), waves.Single(w => w.ChangeId == c.Id && w.Index == 1));
            var (s1, s2) = (steps.Single(s => s.ChangeId == c.Id && s.Wave == 0), steps.Single(s => s.ChangeId == c.Id && s.Wave == 1));
            DateTimeOffset[] marks = [c.PlanFrozenAt!.Value, s1.StartedAt!.Value, s1.AppliedAt!.Value, s1.FinishedAt!.Value, w1.ConvergedAt!.Value,
                w1.FinishedAt!.Value, s2.StartedAt!.Value, s2.AppliedAt!.Value, s2.FinishedAt!.Value, c.FinishedAt!.Value];
            return string.Join(" ", marks.Zip(marks.Skip(1), (a, b) => $"{(b - a).TotalSeconds:0.0}"));
        }
        var byRatio = ended.OrderByDescending(c => c.FinishedAt!.Value - c.PlanFrozenAt!.Value).ToList();
        Figures.Note($"seconds per segment: frozen→start1 →applied →recorded →soaking →soaked →start2 →applied →recorded →finished " +
            $"(convergence {convergence.TotalSeconds:0.#} s is in each →recorded, the soak in →soaked)");
        foreach (var c in byRatio.Take(5).Append(byRatio[byRatio.Count / 2]))
            Figures.Note($"change {c.Id}: {(c.FinishedAt!.Value - c.PlanFrozenAt!.Value) / ideal:0.00} × ideal: {Segments(c)}");
    }

    /// <summary>
    /// Rollout jobs being processed, sampled every 200 ms: the most at any time, and the most while every rollout was in its
    /// first wave's soak (when none has anything to do); and how many sessions wait on average for the audit chain's lock,
    /// which every audited write takes till it commits (the only single-key advisory lock: objsubid 1).
    /// </summary>
    private static async Task<(int Peak, int WhileSoaking, double LockWaiters)> SampleWorkersAsync(PortalFactory portal, List<long> ids, CancellationToken stop)
    {
        var monitoring = portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var (peak, soaking) = (0, 0);
        var waiters = new List<int>();
        while (!stop.IsCancellationRequested)
        {
            var held = monitoring.ProcessingJobs(0, 1000).Count(j => j.Value.Job?.Type == typeof(RolloutJob));
            await using (var db = portal.Db.CreateContext())
            {
                var soakingNow = await db.RolloutWaves.CountAsync(w => ids.Contains(w.ChangeId) && w.Phase == RolloutPhase.Forward && w.Index == 0
                    && w.Status == WaveStatus.Soaking, CancellationToken.None);
                // Counted only if the rollouts were still all soaking after the count of workers was read.
                if (soakingNow == ids.Count) soaking = Math.Max(soaking, held);
                waiters.Add(await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted")
                    .SingleAsync(CancellationToken.None));
            }
            peak = Math.Max(peak, held);
            await Task.Delay(200, CancellationToken.None);
        }
        return (peak, soaking, waiters.DefaultIfEmpty().Average());
    }

    /// <summary>
    /// Counts the database commands sent meanwhile (the portal's, Hangfire's and this scenario's own sampling): each is a
    /// round trip, and on a busy machine each waits its turn for a core, so fewer is faster whatever the load.
    /// </summary>
    private sealed class DatabaseCommands : IDisposable
    {
        private readonly ActivityListener _listener;
        private long _count;

        public DatabaseCommands()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = Count,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        private void Count(Activity command)
        {
            if (!command.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal)) Interlocked.Increment(ref _count);
        }

        public long Count() => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>What an SRE does meanwhile: "Sync now" on one cluster, every half second.</summary>
    private static async Task AskSyncsAsync(PortalFactory portal, string cluster, CancellationToken stop)
    {
        var clusters = portal.Services.GetRequiredService<ClusterService>();
        while (!stop.IsCancellationRequested)
        {
            await clusters.RequestSyncAsync(cluster, RolloutScenario.Operator, CancellationToken.None);
            await Task.Delay(500, CancellationToken.None);
        }
    }

    /// <summary>One component per rollout; pipelines of two one-cluster waves over pairs of clusters, the first wave soaking.</summary>
    private static async Task PrepareAsync(PortalFactory portal, List<string> clusters, Size size)
    {
        await using var db = portal.Db.CreateContext();
        RolloutScenario.AddComponent(db, "bench-warm");
        for (var i = 0; i < size.Rollouts; i++) RolloutScenario.AddComponent(db, $"bench-c{i:000}");
        var pairs = clusters.Count / 2;
        for (var p = 0; p < pairs; p++)
        {
            db.Pipelines.Add(new Pipeline
            {
                Name = $"bench-pair-{p}", UpdatedAt = DateTimeOffset.UtcNow,
                Waves =
                [
                    new WaveSpec { Name = "first", Clusters = [clusters[p]], MaxConcurrency = 1, MinSuccessSeconds = size.SoakSeconds, ProgressDeadlineSeconds = 120 },
                    new WaveSpec { Name = "second", Clusters = [clusters[p + pairs]], MaxConcurrency = 1, ProgressDeadlineSeconds = 120 },
                ],
            });
        }
        await db.SaveChangesAsync();
    }
}
