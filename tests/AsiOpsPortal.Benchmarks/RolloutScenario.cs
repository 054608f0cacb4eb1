extern alias fleetsim;

using System.Diagnostics;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Clusters;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using AsiOpsPortal.Web.Risk;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// A whole rollout on Hangfire workers against FleetSim, from the last approval to Succeeded, against its ideal critical
/// path: Σ over waves of (rounds × FleetSim's fixed convergence delay + soak), where a wave of N clusters at
/// concurrency C needs ⌈N / C⌉ rounds. Everything above that is the portal's overhead (job pickup, polls, bookkeeping).
/// </summary>
public sealed class RolloutScenario(string name, string description, RolloutScenario.Size full, RolloutScenario.Size smoke) : IScenario
{
    public sealed record Size(int Clusters, int Waves, int Concurrency, TimeSpan Convergence, int SoakSeconds);

    public static readonly RolloutScenario Overhead = new("rollout-overhead",
        "100 FleetSim clusters, 5 waves, fixed convergence and soak: wall time / ideal critical path, job pickup p95",
        new Size(100, 5, 20, TimeSpan.FromSeconds(3), 3), new Size(6, 2, 3, TimeSpan.FromMilliseconds(300), 0));

    public static readonly RolloutScenario Thousand = new("rollout-1000",
        "1,000 FleetSim clusters, 10 waves, maxConcurrency 50: wall time / ideal critical path, peak memory",
        new Size(1_000, 10, 50, TimeSpan.FromSeconds(3), 0), new Size(10, 2, 5, TimeSpan.FromMilliseconds(300), 0));

    public string Name => name;
    public string Description => description;

    // Tuned as an operator would for fast waves: the rollout polls convergence every 100 ms (default 250 ms).
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Portal:RolloutPollInterval"] = "00:00:00.100",
        ["Portal:QueuePollInterval"] = "00:00:00.200",
        ["Portal:InventorySyncCron"] = "0 0 31 2 *",
    };

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? full : smoke;
        Figures.Note($"{Name}: FleetSim with {size.Clusters:N0} light clusters, convergence {size.Convergence.TotalSeconds:0.#} s");
        await using var fleet = await FleetSimulator.StartAsync(new FleetSimOptions
        {
            Port = 0, Fleet = "light", LightClusters = size.Clusters, LightNodesPerCluster = 3, ConvergenceDelay = size.Convergence,
        });
        await using var portal = await PortalFactory.CreateAsync($"bench {Name}", Settings);
        await BenchFleet.RegisterAsync(fleet, portal);
        var waves = await PrepareAsync(portal, fleet, size);
        // As deployed, the inventory sync has talked to every cluster within the last two minutes: connections are warm.
        Figures.Note($"{Name}: one inventory sync, as the recurring job would have done");
        await portal.Services.GetRequiredService<InventorySync>().SyncAllAsync(CancellationToken.None);

        // The benchmark measures rollout overhead; its pipeline of equal chunks is not meant to pass the guardrails.
        var risk = portal.Services.GetRequiredService<RiskService>();
        foreach (var rule in await risk.ListAsync()) await risk.UpdateAsync(rule.Name, new RiskRuleUpdate(false, null, null, null), Operator);
        var proposals = portal.Services.GetRequiredService<ChangeProposals>();
        var reviews = portal.Services.GetRequiredService<ChangeReviews>();
        // A portal that has run before: one small rollout first, so the measured one pays no first-use costs (JIT,
        // EF's query compilation, the first watch connections) that a long-running portal paid once long ago.
        Figures.Note($"{Name}: a warm-up rollout on the first wave's clusters");
        var warmUp = await ApproveAsync(proposals, reviews, new ChangeProposal("warm-up", "benchmark warm-up", "none", "bench-warm", "1.0", "bench-warmup"), last: true);
        await WaitForEndAsync(portal, warmUp);

        var proposed = await proposals.ProposeAsync(new ChangeProposal("bench rollout", "benchmark", "none", "bench-web", "1.0", "bench"), Requester);
        await ApproveAsync(reviews, proposed, last: false);
        using var memory = new WorkingSetSampler();
        var watch = Stopwatch.StartNew();
        var approvedAt = DateTimeOffset.UtcNow;
        await reviews.ReviewAsync(proposed.Id, new ReviewRequest("approve", ""), Approvers[proposed.RequiredApprovals - 1]);
        Figures.Note($"{Name}: rollout running");
        await WaitForEndAsync(portal, proposed.Id);
        var wall = watch.Elapsed;
        var done = (await portal.Services.GetRequiredService<ChangeQueries>().GetAsync(proposed.Id))!;
        if (done.Status != nameof(ChangeStatus.Succeeded))
            throw new InvalidOperationException($"The rollout ended {done.Status}: {done.StatusReason}");

        foreach (var wave in done.Waves)
        {
            // Where the time went, for whoever chases the overhead: wave start, slowest cluster, soak end.
            var slowest = wave.Clusters.Max(c => c.DurationSeconds ?? 0);
            Figures.Note($"{Name}: {wave.Name} started +{(wave.StartedAt!.Value - approvedAt).TotalSeconds:0.00} s, slowest cluster {slowest:0.00} s, finished +{(wave.FinishedAt!.Value - approvedAt).TotalSeconds:0.00} s");
        }
        await NoteStepPhasesAsync(portal, proposed.Id, size.Convergence);
        var ideal = TimeSpan.FromTicks(waves.Sum(w => (long)Math.Ceiling(w / (double)size.Concurrency) * size.Convergence.Ticks)
            + TimeSpan.FromSeconds(size.SoakSeconds).Ticks * waves.Count);
        var firstStart = done.Waves[0].StartedAt!.Value;
        var pickups = await PickupLatenciesAsync(portal.Db.ConnectionString);

        figures.Add("wall", wall.TotalSeconds, "s");
        figures.Add("ideal", ideal.TotalSeconds, "s");
        figures.Add("wall_over_ideal", wall / ideal, "ratio", Name == "rollout-overhead" ? "<= 1.05" : Figures.NoGoal);
        figures.Add("approval_to_first_wave", (firstStart - approvedAt).TotalMilliseconds, "ms");
        figures.Add("job_pickup_p95", Percentile(pickups, 95), "ms");
        figures.Add("jobs", pickups.Count, "count");
        figures.Add("peak_working_set", memory.Stop() / 1048576.0, "MB");
    }

    // A critical change (the light fleet has tier-0 clusters) needs an Admin among its approvers.
    internal static readonly Actor[] Approvers = [new("bob", Roles.Sre), new("carol", Roles.Sre), new("admin", Roles.Admin)];

    internal static readonly Actor Requester = new("alice", Roles.Developer);

    /// <summary>Sets the portal up for the run (turns risk rules off, asks for syncs): the benchmark itself, not a person.</summary>
    internal static readonly Actor Operator = Actor.System("bench");

    /// <summary>Proposes (unless given a proposal already made) and approves; with <paramref name="last"/> false, all approvals but the last.</summary>
    private static async Task<long> ApproveAsync(ChangeProposals proposals, ChangeReviews reviews, ChangeProposal proposal, bool last) =>
        await ApproveAsync(reviews, await proposals.ProposeAsync(proposal, Requester), last);

    internal static async Task<long> ApproveAsync(ChangeReviews reviews, ChangeDetail proposed, bool last)
    {
        for (var i = 0; i < proposed.RequiredApprovals - (last ? 0 : 1); i++)
            await reviews.ReviewAsync(proposed.Id, new ReviewRequest("approve", ""), Approvers[i]);
        return proposed.Id;
    }

    /// <summary>Watches the status column only: rendering the whole change every few milliseconds would load the machine it measures.</summary>
    internal static async Task WaitForEndAsync(PortalFactory portal, long changeId)
    {
        while (true)
        {
            await using var db = portal.Db.CreateContext();
            var status = await db.Changes.Where(c => c.Id == changeId).Select(c => c.Status).SingleAsync();
            if (ChangeLifecycle.IsEnded(status) || status == ChangeStatus.Paused) return;
            await Task.Delay(50);
        }
    }

    /// <summary>The component and a pipeline of equal waves over every cluster, in name order; returns the wave sizes.</summary>
    private static async Task<List<int>> PrepareAsync(PortalFactory portal, FleetSimulator fleet, Size size)
    {
        var names = fleet.Clusters.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        var perWave = (int)Math.Ceiling(names.Count / (double)size.Waves);
        var waves = names.Chunk(perWave).Select((chunk, i) => new WaveSpec
        {
            Name = $"wave-{i + 1}", Clusters = [.. chunk], MaxConcurrency = size.Concurrency, MinSuccessSeconds = size.SoakSeconds,
            ProgressDeadlineSeconds = 120, MaxFailures = "0",
        }).ToList();
        await using var db = portal.Db.CreateContext();
        foreach (var name in new[] { "bench-web", "bench-warm" }) AddComponent(db, name);
        db.Pipelines.Add(new Pipeline { Name = "bench", Waves = waves, UpdatedAt = DateTimeOffset.UtcNow });
        db.Pipelines.Add(new Pipeline
        {
            Name = "bench-warmup", UpdatedAt = DateTimeOffset.UtcNow,
            Waves = [new WaveSpec { Name = "warm-up", Clusters = [.. waves[0].Clusters.Take(2)], MaxConcurrency = 2, MaxFailures = "0" }],
        });
        await db.SaveChangesAsync();
        return waves.Select(w => w.Clusters.Count).ToList();
    }

    internal static void AddComponent(PortalDbContext db, string name)
    {
        var component = new Component { Name = name, Namespace = "default", CreatedAt = DateTimeOffset.UtcNow };
        db.Components.Add(component);
        db.ComponentVersions.Add(new ComponentVersion
        {
            ComponentId = component.Id, Version = "1.0", CreatedAt = DateTimeOffset.UtcNow,
            Manifests = $$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{name}}
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: {{name}}}
                  template:
                    metadata:
                      labels: {app: {{name}}}
                    spec:
                      containers:
                        - name: web
                          image: nginx:1.27
                """,
        });
    }

    /// <summary>Per wave, where a cluster's time goes: start → applied (claim, apply) and applied → finished beyond the convergence delay.</summary>
    private static async Task NoteStepPhasesAsync(PortalFactory portal, long changeId, TimeSpan convergence)
    {
        await using var db = portal.Db.CreateContext();
        var steps = await db.RolloutSteps.AsNoTracking().Where(s => s.ChangeId == changeId && s.Phase == RolloutPhase.Forward).ToListAsync();
        foreach (var wave in steps.GroupBy(s => s.Wave).OrderBy(g => g.Key))
        {
            var apply = wave.Select(s => (s.AppliedAt!.Value - s.StartedAt!.Value).TotalMilliseconds).ToList();
            var late = wave.Select(s => (s.FinishedAt!.Value - s.AppliedAt!.Value - convergence).TotalMilliseconds).ToList();
            Figures.Note($"rollout wave {wave.Key + 1}: start→applied mean {apply.Average():0} ms, max {apply.Max():0} ms; " +
                $"converged→recorded mean {late.Average():0} ms, max {late.Max():0} ms");
        }
    }

    /// <summary>
    /// Enqueued → Processing (or <paramref name="from"/> → <paramref name="to"/>) of every job of <paramref name="jobClass"/> (by
    /// default, every rollout job), in ms, from Hangfire's own state history.
    /// </summary>
    internal static async Task<List<double>> PickupLatenciesAsync(string connectionString, string jobClass = nameof(RolloutJob),
        string from = "Enqueued", string to = "Processing")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT EXTRACT(EPOCH FROM (p.createdat - e.createdat)) * 1000
            FROM hangfire.job j
            JOIN LATERAL (SELECT max(createdat) AS createdat FROM hangfire.state WHERE jobid = j.id AND name = @from) e ON true
            JOIN LATERAL (SELECT min(createdat) AS createdat FROM hangfire.state WHERE jobid = j.id AND name = @to) p ON true
            WHERE j.invocationdata::text LIKE @job AND p.createdat IS NOT NULL
            """, connection);
        command.Parameters.AddWithValue("job", $"%{jobClass}%");
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        var latencies = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) latencies.Add(Convert.ToDouble(reader.GetValue(0)));
        return latencies;
    }

    internal static double Percentile(List<double> samples, double p)
    {
        if (samples.Count == 0) return double.NaN;
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
