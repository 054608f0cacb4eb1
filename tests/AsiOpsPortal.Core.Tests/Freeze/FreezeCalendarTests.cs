using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Freeze;

public class FreezeCalendarTests
{
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Until = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Zones = ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Chatham", "America/Santiago"];
    private static readonly string[] Environments = ["test", "staging", "prod"];
    private static readonly string[] Regions = ["cn-hangzhou", "cn-shanghai", "eu-central"];

    private static ClusterFacts Cluster(string name, string environment = "prod", string region = "cn-hangzhou", int tier = 1, Dictionary<string, string>? labels = null) =>
        new(Guid.NewGuid(), name, environment, region, "", tier, labels ?? []);

    private static FreezeWindow Window(string name, FreezeType type, DateTime start, DateTime? end = null, string? rrule = null, int? minutes = null,
        string zone = "Asia/Shanghai", FreezeScope? scope = null, bool blocksRollback = false) => new()
    {
        Name = name, Reason = $"{name} reason", Type = type, Start = start, End = end, Rrule = rrule, DurationMinutes = minutes, TimeZone = zone,
        Scope = scope ?? new FreezeScope(), BlocksRollback = blocksRollback,
    };

    private static DateTimeOffset Shanghai(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Evaluate_SaysFrozenUntilTheWindowEnds_InsideADenyWindow()
    {
        var calendar = FreezeCalendar.Build([Window("singles-day", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 12, 18, 0, 0))], From, Until);

        var verdict = calendar.Evaluate(Cluster("c1"), Shanghai(11, 11, 12));

        Assert.True(verdict.Frozen);
        Assert.Equal("singles-day", verdict.WindowName);
        Assert.Equal(Shanghai(11, 12, 18), verdict.Until);
        Assert.Equal(Shanghai(11, 12, 18), verdict.NextOpen);
        Assert.StartsWith("Frozen until 2026-11-12 18:00 Asia/Shanghai (singles-day reason; window 'singles-day')", verdict.Describe());
        Assert.False(calendar.Evaluate(Cluster("c1"), Shanghai(11, 12, 18)).Frozen);
        Assert.False(calendar.Evaluate(Cluster("c1"), Shanghai(11, 9, 23, 59)).Frozen);
    }

    [Fact]
    public void EvaluateWave_LetsAChangeRunThroughTheWindowsItIsExcusedFrom_ButNoOther()
    {
        var singlesDay = Window("singles-day", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 12, 18, 0, 0));
        var weekend = Window("weekend", FreezeType.Deny, new(2026, 11, 7, 0, 0, 0), rrule: "FREQ=WEEKLY;BYDAY=SA", minutes: 24 * 60,
            scope: new FreezeScope { Clusters = ["c2"] });
        var calendar = FreezeCalendar.Build([singlesDay, weekend], From, Until);
        ClusterFacts[] wave = [Cluster("c1"), Cluster("c2")];
        var wednesday = Shanghai(11, 11, 12);
        var saturday = Shanghai(11, 14, 12);

        Assert.True(calendar.EvaluateWave(wave, wednesday).Frozen);
        Assert.False(calendar.EvaluateWave(wave, wednesday, excused: [singlesDay.Id]).Frozen);
        Assert.False(calendar.Evaluate(wave[0], wednesday, excused: [singlesDay.Id]).Frozen);
        // The excuse names one window: another one still holds the cluster it covers.
        var held = calendar.EvaluateWave(wave, saturday, excused: [singlesDay.Id]);
        Assert.Equal(["c2"], held.FrozenClusters.Select(c => c.Cluster));
        Assert.Equal("weekend", held.FrozenClusters[0].Verdict.WindowName);
        Assert.True(calendar.EvaluateWave(wave, wednesday, FreezePurpose.Rollout, excused: [weekend.Id]).Frozen);
    }

    [Fact]
    public void Evaluate_IgnoresClustersOutsideTheScope()
    {
        var scope = new FreezeScope { Environments = ["prod"], Regions = ["cn-hangzhou"], Tiers = [0, 1], Labels = new() { ["team"] = "pay" } };
        var calendar = FreezeCalendar.Build([Window("pay", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 12, 0, 0, 0), scope: scope)], From, Until);
        var at = Shanghai(11, 11, 0);
        var pay = new Dictionary<string, string> { ["team"] = "pay" };

        Assert.True(calendar.Evaluate(Cluster("a", labels: pay), at).Frozen);
        Assert.False(calendar.Evaluate(Cluster("b", labels: []), at).Frozen);
        Assert.False(calendar.Evaluate(Cluster("c", environment: "staging", labels: pay), at).Frozen);
        Assert.False(calendar.Evaluate(Cluster("d", region: "eu-central", labels: pay), at).Frozen);
        Assert.False(calendar.Evaluate(Cluster("e", tier: 3, labels: pay), at).Frozen);
    }

    [Fact]
    public void Evaluate_FreezesOnlyNamedClusters_WhenTheScopeNamesClusters()
    {
        var calendar = FreezeCalendar.Build([Window("one", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 12, 0, 0, 0), scope: new FreezeScope { Clusters = ["c7"] })], From, Until);

        Assert.True(calendar.Evaluate(Cluster("c7"), Shanghai(11, 11, 0)).Frozen);
        Assert.False(calendar.Evaluate(Cluster("c8"), Shanghai(11, 11, 0)).Frozen);
    }

    [Fact]
    public void Evaluate_OpensAClusterCoveredByAllowWindows_OnlyInsideOne()
    {
        var weekdays = Window("office-hours", FreezeType.Allow, new(2026, 1, 5, 9, 0, 0), rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", minutes: 8 * 60,
            scope: new FreezeScope { Environments = ["prod"] });
        var calendar = FreezeCalendar.Build([weekdays], From, Until);

        // Friday 2026-11-13 20:00: outside; next open Monday 09:00.
        var verdict = calendar.Evaluate(Cluster("p"), Shanghai(11, 13, 20));
        Assert.True(verdict.Frozen);
        Assert.Equal(FreezeType.Allow, verdict.WindowType);
        Assert.Equal(Shanghai(11, 16, 9), verdict.NextOpen);
        Assert.StartsWith("Outside every allow window until 2026-11-16 09:00 Asia/Shanghai", verdict.Describe());
        Assert.False(calendar.Evaluate(Cluster("p"), Shanghai(11, 16, 10)).Frozen);
        // A staging cluster is covered by no allow window, so it is open at any time.
        Assert.False(calendar.Evaluate(Cluster("s", environment: "staging"), Shanghai(11, 13, 20)).Frozen);
    }

    [Fact]
    public void Evaluate_LetsDenyWinOverAllow_AndChainsWindowsForNextOpen()
    {
        var allow = Window("office-hours", FreezeType.Allow, new(2026, 1, 5, 9, 0, 0), rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", minutes: 8 * 60);
        var deny = Window("release-freeze", FreezeType.Deny, new(2026, 11, 16, 0, 0, 0), new(2026, 11, 16, 12, 0, 0));
        var calendar = FreezeCalendar.Build([allow, deny], From, Until);

        var verdict = calendar.Evaluate(Cluster("p"), Shanghai(11, 16, 10));

        Assert.True(verdict.Frozen);
        Assert.Equal("release-freeze", verdict.WindowName);
        Assert.Equal(Shanghai(11, 16, 12), verdict.NextOpen);
    }

    [Fact]
    public void Evaluate_LetsRollbacksThrough_UnlessTheWindowBlocksThem()
    {
        var soft = Window("soft", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 12, 0, 0, 0));
        var hard = Window("hard", FreezeType.Deny, new(2026, 12, 10, 0, 0, 0), new(2026, 12, 12, 0, 0, 0), blocksRollback: true);
        var calendar = FreezeCalendar.Build([soft, hard], From, Until);

        Assert.False(calendar.Evaluate(Cluster("c"), Shanghai(11, 11, 0), FreezePurpose.Rollback).Frozen);
        Assert.True(calendar.Evaluate(Cluster("c"), Shanghai(12, 11, 0), FreezePurpose.Rollback).Frozen);
    }

    [Fact]
    public void EvaluateWave_IsFrozenWhenAnyClusterIs_AndOpensWhenAllAre()
    {
        var hangzhou = Window("hz", FreezeType.Deny, new(2026, 11, 10, 0, 0, 0), new(2026, 11, 11, 0, 0, 0), scope: new FreezeScope { Regions = ["cn-hangzhou"] });
        var shanghai = Window("sh", FreezeType.Deny, new(2026, 11, 10, 12, 0, 0), new(2026, 11, 11, 6, 0, 0), scope: new FreezeScope { Regions = ["cn-shanghai"] });
        var calendar = FreezeCalendar.Build([hangzhou, shanghai], From, Until);
        var wave = new[] { Cluster("a"), Cluster("b", region: "cn-shanghai"), Cluster("c", region: "eu-central") };

        var verdict = calendar.EvaluateWave(wave, Shanghai(11, 10, 13));

        Assert.True(verdict.Frozen);
        Assert.Equal(["a", "b"], verdict.FrozenClusters.Select(c => c.Cluster));
        Assert.Equal(Shanghai(11, 11, 6), verdict.NextOpen);
        Assert.False(calendar.EvaluateWave(wave, Shanghai(11, 11, 6)).Frozen);
    }

    /// <summary>
    /// Property: across zones with and without DST, random deny and allow windows (one-off and recurring) and random
    /// clusters and instants, the indexed calendar agrees with a naive reading of every window's occurrences; an open
    /// verdict is never inside a covering deny occurrence; and the next-open instant is open while shortly before it is not.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Evaluate_AgreesWithANaiveReading_AcrossZonesAndDst(int seed)
    {
        var random = new Random(seed);
        var windows = Enumerable.Range(0, 12).Select(i => RandomWindow(random, i)).ToList();
        var calendar = FreezeCalendar.Build(windows, From, Until);
        var occurrences = windows.ToDictionary(w => w.Id, w => FreezeRules.Occurrences(w, From, Until));
        var clusters = Enumerable.Range(0, 20).Select(i => RandomCluster(random, i)).ToList();

        for (var sample = 0; sample < 400; sample++)
        {
            var cluster = clusters[random.Next(clusters.Count)];
            var at = RandomInstant(random);
            var covering = windows.Where(w => Covers(w.Scope, cluster)).ToList();
            var deniedNaively = covering.Any(w => w.Type == FreezeType.Deny && occurrences[w.Id].Any(o => o.Start <= at && at < o.End));
            var allows = covering.Where(w => w.Type == FreezeType.Allow).ToList();
            var insideAllow = allows.Any(w => occurrences[w.Id].Any(o => o.Start <= at && at < o.End));
            var frozenNaively = deniedNaively || (allows.Count > 0 && !insideAllow);

            var verdict = calendar.Evaluate(cluster, at);

            Assert.Equal(frozenNaively, verdict.Frozen);
            if (!verdict.Frozen || verdict.NextOpen is not { } open) continue;
            Assert.True(open > at);
            Assert.False(calendar.Evaluate(cluster, open).Frozen, $"next open {open:u} for {cluster.Name} is itself frozen");
            Assert.True(calendar.Evaluate(cluster, open.AddTicks(-1)).Frozen, $"{cluster.Name} is already open before {open:u}");
            var between = at + (open - at) * random.NextDouble();
            Assert.True(calendar.Evaluate(cluster, between).Frozen, $"{cluster.Name} is open at {between:u}, before its next open {open:u}");
        }
    }

    /// <summary>Property: a wave is open exactly when each of its clusters is, and its next-open instant opens all of them.</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void EvaluateWave_AgreesWithItsClusters(int seed)
    {
        var random = new Random(seed);
        var calendar = FreezeCalendar.Build(Enumerable.Range(0, 10).Select(i => RandomWindow(random, i)).ToList(), From, Until);
        for (var sample = 0; sample < 100; sample++)
        {
            var wave = Enumerable.Range(0, random.Next(1, 8)).Select(i => RandomCluster(random, random.Next(30))).ToList();
            var at = RandomInstant(random);

            var verdict = calendar.EvaluateWave(wave, at);

            Assert.Equal(wave.Any(c => calendar.Evaluate(c, at).Frozen), verdict.Frozen);
            if (verdict.NextOpen is { } open) Assert.All(wave, c => Assert.False(calendar.Evaluate(c, open).Frozen));
        }
    }

    private static FreezeWindow RandomWindow(Random random, int i)
    {
        var zone = Zones[random.Next(Zones.Length)];
        var type = random.Next(4) == 0 ? FreezeType.Allow : FreezeType.Deny;
        var scope = new FreezeScope();
        if (random.Next(2) == 0) scope.Environments.Add(Environments[random.Next(Environments.Length)]);
        if (random.Next(3) == 0) scope.Regions.Add(Regions[random.Next(Regions.Length)]);
        if (random.Next(4) == 0) scope.Tiers.Add(random.Next(4));
        if (random.Next(5) == 0) scope.Clusters.Add($"c{random.Next(30)}");
        if (random.Next(5) == 0) scope.Labels["team"] = random.Next(2) == 0 ? "pay" : "search";
        // Starts near DST transitions (March, April, October, November) with odd minutes, so gaps and overlaps are hit.
        var month = new[] { 3, 4, 9, 10, 11 }[random.Next(5)];
        var start = new DateTime(2026, month, random.Next(1, 28), random.Next(24), random.Next(4) * 15, 0);
        return random.Next(3) == 0
            ? Window($"w{i}", type, start, start.AddMinutes(random.Next(30, 5 * 24 * 60)), zone: zone, scope: scope)
            : Window($"w{i}", type, start,
                rrule: new[] { "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=HOURLY;INTERVAL=7", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=1,2,3" }[random.Next(5)],
                minutes: random.Next(15, 30 * 60), zone: zone, scope: scope);
    }

    private static ClusterFacts RandomCluster(Random random, int i) => Cluster($"c{i}", Environments[i % 3], Regions[i / 3 % 3], i % 4,
        i % 2 == 0 ? new Dictionary<string, string> { ["team"] = i % 4 == 0 ? "pay" : "search" } : []);

    private static DateTimeOffset RandomInstant(Random random) =>
        new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 270 * 24 * 60)).AddSeconds(random.Next(60));

    private static bool Covers(FreezeScope scope, ClusterFacts cluster) =>
        (scope.Environments.Count == 0 || scope.Environments.Contains(cluster.Environment))
        && (scope.Regions.Count == 0 || scope.Regions.Contains(cluster.Region))
        && (scope.Tiers.Count == 0 || scope.Tiers.Contains(cluster.Tier))
        && (scope.Clusters.Count == 0 || scope.Clusters.Contains(cluster.Name))
        && scope.Labels.All(l => cluster.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
