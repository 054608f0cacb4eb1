using System.Diagnostics;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Freeze;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// The freeze check at a wave's start: one wave of 10,000 clusters against 1,000 windows (deny and allow, one-off and
/// recurring, in several zones, scoped by environment, region, tier, label and name), against the same wave and one window.
/// Pure computation over a pre-built calendar; the build itself is reported on its own. "wave_start" is the runner's check
/// (frozen or not, and why, per cluster); "earliest_open" adds the search for the instant all clusters are open at once,
/// which only the proposal and change pages ask for.
/// </summary>
public sealed class FreezeEvalScenario : IScenario
{
    public string Name => "freeze-eval";
    public string Description => "FreezeCalendar.EvaluateWave: 10k clusters x 1,000 windows vs the same wave x 1 window";

    private sealed record Size(int Clusters, int Windows, int Warmup, int Runs);

    private static readonly string[] Environments = ["test", "staging", "prod"];
    private static readonly string[] Regions =
        ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-wulanchabu", "ap-southeast-1", "eu-central-1"];
    private static readonly string[] Zones = ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"];
    private static readonly string[] Teams = ["pay", "search", "ads", "maps", "infra"];
    private static readonly string[] Rules = ["FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=FR", "FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=DAILY;INTERVAL=3"];

    public Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(10_000, 1_000, 20, 200) : new Size(200, 20, 2, 10);
        var random = new Random(42);
        var now = DateTimeOffset.UtcNow;
        var wave = Enumerable.Range(0, size.Clusters).Select(i => new ClusterFacts(Guid.NewGuid(), $"c{i:D5}", Environments[i % 3], Regions[i / 3 % Regions.Length], "",
            i % 4, new Dictionary<string, string> { ["team"] = Teams[i % Teams.Length], ["pool"] = $"p{i % 17}" })).ToList();
        var windows = Enumerable.Range(0, size.Windows).Select(i => Window(random, i, now, size.Clusters)).ToList();

        Figures.Note($"{Name}: expanding {size.Windows:N0} windows over {FreezeService.LookAhead.TotalDays} days");
        var build = Stopwatch.StartNew();
        var calendar = FreezeCalendar.Build(windows, now - FreezeService.LookBehind, now + FreezeService.LookAhead);
        build.Stop();
        var single = FreezeCalendar.Build(windows.Take(1), now - FreezeService.LookBehind, now + FreezeService.LookAhead);

        Figures.Note($"{Name}: {size.Warmup} warm-up and {size.Runs} measured wave checks of {size.Clusters:N0} clusters each");
        var full = new List<double>();
        var withOpen = new List<double>();
        var baseline = new List<double>();
        var frozenSeen = 0;
        var instants = Enumerable.Range(0, size.Warmup + size.Runs)
            // A different instant each time, over the next month, so the answers are not one cached case.
            .Select(_ => now.AddMinutes(random.Next(0, 31 * 24 * 60))).ToList();
        for (var i = 0; i < instants.Count; i++)
        {
            var watch = Stopwatch.StartNew();
            var verdict = calendar.EvaluateWave(wave, instants[i], findNextOpen: false);
            var fullMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            single.EvaluateWave(wave, instants[i], findNextOpen: false);
            var singleMs = watch.Elapsed.TotalMilliseconds;
            if (i < size.Warmup) continue;
            full.Add(fullMs);
            baseline.Add(singleMs);
            if (verdict.Frozen) frozenSeen++;
        }
        // The planning answer costs far more, and its garbage would land in the checks above: a few samples of it, apart.
        foreach (var at in instants.Where((_, i) => i % 10 == 0))
        {
            var watch = Stopwatch.StartNew();
            calendar.EvaluateWave(wave, at);
            withOpen.Add(watch.Elapsed.TotalMilliseconds);
        }

        figures.Add("build", build.Elapsed.TotalMilliseconds, "ms");
        // The figure is "the time to evaluate one wave start": the typical (median) check; its tail is shown beside it.
        figures.Add("wave_start_p50", Percentile(full, 50), "ms", "<= 10");
        figures.Add("wave_start_p95", Percentile(full, 95), "ms");
        figures.Add("earliest_open_p50", Percentile(withOpen, 50), "ms");
        figures.Add("earliest_open_p95", Percentile(withOpen, 95), "ms");
        figures.Add("one_window_p50", Percentile(baseline, 50), "ms");
        figures.Add("one_window_p95", Percentile(baseline, 95), "ms");
        figures.Add("p50_over_one_window", Percentile(full, 50) / Percentile(baseline, 50), "ratio");
        figures.Add("frozen_share", 100.0 * frozenSeen / size.Runs, "%");
        return Task.CompletedTask;
    }

    private static FreezeWindow Window(Random random, int i, DateTimeOffset now, int clusters)
    {
        var scope = new FreezeScope();
        switch (random.Next(6))
        {
            case 0: scope.Environments.Add(Environments[random.Next(3)]); break;
            case 1: scope.Regions.Add(Regions[random.Next(Regions.Length)]); scope.Tiers.Add(random.Next(4)); break;
            case 2: scope.Labels["team"] = Teams[random.Next(Teams.Length)]; break;
            case 3: scope.Clusters.AddRange(Enumerable.Range(0, 5).Select(_ => $"c{random.Next(clusters):D5}")); break;
            case 4: scope.Environments.Add("prod"); scope.Labels["pool"] = $"p{random.Next(17)}"; break;
            default: scope.Regions.Add(Regions[random.Next(Regions.Length)]); break;
        }
        var zone = Zones[random.Next(Zones.Length)];
        var start = ZoneClock.ToLocal(now.AddDays(random.Next(-30, 60)), ZoneClock.Find(zone)!).Date.AddHours(random.Next(24));
        var recurring = random.Next(2) == 0;
        return new FreezeWindow
        {
            Name = $"w{i}", Reason = "benchmark", TimeZone = zone, Scope = scope,
            // A few allow windows, as fleets have: most windows deny.
            Type = random.Next(10) == 0 ? FreezeType.Allow : FreezeType.Deny,
            Start = start,
            End = recurring ? null : start.AddHours(random.Next(1, 72)),
            Rrule = recurring ? Rules[random.Next(Rules.Length)] : null,
            DurationMinutes = recurring ? random.Next(30, 12 * 60) : null,
        };
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
