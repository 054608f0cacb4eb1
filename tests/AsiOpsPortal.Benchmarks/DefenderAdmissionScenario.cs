using System.Collections.Concurrent;
using System.Diagnostics;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// The defender's decision (DefenderStore.DecideAsync, in process; the webhook endpoint is not built yet) at a steady 500
/// requests per second against 20 budgets, some of which run dry and refuse. Every tenth request falls in no budget's
/// scope: the same path (transaction, lock query, decision row, commit) with nothing to lock or spend, as the baseline.
/// Afterwards every budget's windows are recounted from the stored decisions: no window may ever have admitted more
/// than its limit.
/// </summary>
public sealed class DefenderAdmissionScenario : IScenario
{
    public string Name => "defender-admission";
    public string Description => "DefenderStore.DecideAsync at 500 req/s for 30 s with 20 budgets: p50/p99, over-admitted, vs an out-of-scope decision";

    private sealed record Size(int PerSecond, TimeSpan Duration);

    private static readonly string[] Namespaces = ["web", "api", "jobs", "cache", "search", "ads", "pay", "maps", "infra", "batch"];
    private static readonly string[] Resources = ["pods", "deployments", "configmaps"];
    private static readonly Actor Sre = new("bench", Roles.Sre);

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(500, TimeSpan.FromSeconds(30)) : new Size(50, TimeSpan.FromSeconds(1));
        await using var db = await TestPostgres.CreateAsync("bench defender admission");
        await using var portal = new DefenderHost(db, "bench");
        var budgets = Budgets();
        foreach (var budget in budgets) await portal.Service.CreateAsync(budget, Sre);
        var parsed = budgets.Select(DefenderService.Parse).ToList();

        var total = (int)(size.PerSecond * size.Duration.TotalSeconds);
        var requests = Enumerable.Range(0, total).Select(Request).ToList();
        await portal.Store.DecideAsync(requests[0] with { Environment = "warm-up", Cluster = "warm-up" });

        Figures.Note($"{Name}: {total:N0} decisions at {size.PerSecond}/s against {budgets.Count} budgets");
        var budgeted = new ConcurrentBag<double>();
        var baseline = new ConcurrentBag<double>();
        var refused = 0;
        var inFlight = new List<Task>(total);
        // A webhook server holds a bounded number of requests; beyond it they queue, and their wait counts in their latency.
        using var slots = new SemaphoreSlim(MaxInFlight);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / size.PerSecond);
        for (var i = 0; i < total; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var request = requests[i];
            inFlight.Add(Task.Run(async () =>
            {
                await slots.WaitAsync();
                try
                {
                    var verdict = await portal.Store.DecideAsync(request);
                    // From when the request was due, not when it got a slot: a backlog shows in the figures.
                    (request.Environment == OutOfScope ? baseline : budgeted).Add((clock.Elapsed - due).TotalMilliseconds);
                    if (!verdict.Allowed) Interlocked.Increment(ref refused);
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;

        var overAdmitted = await OverAdmittedAsync(db, parsed, requests);
        figures.Add("rate", total / elapsed.TotalSeconds, "req/s", $">= {size.PerSecond * 0.95:0}");
        figures.Add("p50", Percentile(budgeted, 50), "ms");
        figures.Add("p99", Percentile(budgeted, 99), "ms", "<= 5");
        figures.Add("baseline_p50", Percentile(baseline, 50), "ms");
        figures.Add("baseline_p99", Percentile(baseline, 99), "ms");
        figures.Add("p99_over_baseline", Percentile(budgeted, 99) / Percentile(baseline, 99), "ratio");
        figures.Add("refused", 100.0 * refused / total, "%");
        figures.Add("over_admitted", overAdmitted, "requests", "0");
        if (overAdmitted > 0) throw new InvalidOperationException($"{overAdmitted} requests were admitted beyond a budget's limit.");
    }

    private const string OutOfScope = "sandbox";
    private const int MaxInFlight = 32;

    private static AdmissionRequest Request(int i)
    {
        var random = new Random(i);
        var environment = i % 10 == 9 ? OutOfScope : random.Next(3) == 0 ? "staging" : "prod";
        var cluster = $"{environment}-{random.Next(10)}";
        return new AdmissionRequest($"user-{random.Next(20)}", "kubectl/v1.32.0", random.Next(4) == 0 ? DefenderVerbs.Eviction : DefenderVerbs.Delete,
            Resources[random.Next(Resources.Length)], Namespaces[random.Next(Namespaces.Length)], $"obj-{i}", cluster, environment,
            new Dictionary<string, string> { ["pool"] = $"p{random.Next(4)}" });
    }

    /// <summary>Twenty budgets as a fleet might hold them: wide ones that seldom run dry, narrow ones that do, two in shadow mode.</summary>
    private static List<BudgetRequest> Budgets()
    {
        var list = new List<BudgetRequest>
        {
            new("fleet-pods", new(null, null, null, null), ["pods"], ["delete", "eviction"], new() { ["1m"] = 2_000, ["24h"] = 20_000 }, null, "enforce"),
            new("prod-deployments", new(["prod"], null, null, null), ["deployments"], ["delete"], new() { ["1m"] = 1_500, ["1h"] = 5_000 }, null, "enforce"),
            new("staging-all", new(["staging"], null, null, null), ["pods", "deployments", "configmaps"], ["delete"], new() { ["5m"] = 2_000 }, null, "shadow"),
            new("pool-0-evictions", new(null, null, new() { ["pool"] = "p0" }, null), ["pods"], ["eviction"], new() { ["1m"] = 300 }, null, "enforce"),
        };
        for (var n = 0; n < Namespaces.Length; n++)
            list.Add(new($"ns-{Namespaces[n]}", new(["prod"], null, null, [Namespaces[n]]), ["pods", "configmaps"], ["delete"],
                new() { ["1m"] = 150 + 60 * n, ["5m"] = 800 }, null, n == 9 ? "shadow" : "enforce"));
        for (var c = 0; c < 6; c++)
            list.Add(new($"cluster-prod-{c}", new(null, [$"prod-{c}"], null, null), ["pods", "deployments"], ["delete", "eviction"],
                new() { ["1m"] = 400 + 150 * c }, null, "enforce"));
        return list;
    }

    /// <summary>Allowed decisions that, at their moment, made some enforced budget's window hold more than its limit.</summary>
    private static async Task<int> OverAdmittedAsync(TestPostgres db, List<DefenderBudget> budgets, List<AdmissionRequest> requests)
    {
        await using var context = db.CreateContext();
        var allowed = await context.DefenderDecisions.Where(d => d.Allowed).Select(d => new { d.Name, d.At }).ToListAsync();
        var byName = requests.ToDictionary(r => r.Name);
        var over = 0;
        foreach (var budget in budgets.Where(b => b.Mode == BudgetMode.Enforce))
        {
            var times = allowed.Where(d => byName.TryGetValue(d.Name, out var r) && DefenderRules.Covers(budget, r)).Select(d => d.At).Order().ToList();
            foreach (var (window, limit) in budget.Limits)
            {
                var length = BudgetWindows.Known[window];
                for (int first = 0, last = 0; last < times.Count; last++)
                {
                    while (times[first] <= times[last] - length) first++;
                    if (last - first + 1 > limit) over++;
                }
            }
        }
        return over;
    }

    private static double Percentile(IEnumerable<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
