using System.Globalization;

namespace AsiOpsPortal.Core.Freeze;

/// <summary>What a freeze check is for: rollbacks pass every window that does not say it blocks them.</summary>
public enum FreezePurpose
{
    Rollout,
    Rollback,
}

/// <summary>
/// Whether one cluster is frozen at an instant, and if so which window holds it, until when that window holds it
/// (<see cref="Until"/>), and when the cluster is next open with every window considered (<see cref="NextOpen"/>; null when not
/// within the calendar's horizon, or not asked for).
/// </summary>
public sealed record FreezeVerdict(
    bool Frozen,
    Guid? WindowId,
    string? WindowName,
    string? WindowReason,
    FreezeType? WindowType,
    string? TimeZone,
    DateTimeOffset? Until,
    DateTimeOffset? NextOpen)
{
    public static readonly FreezeVerdict Open = new(false, null, null, null, null, null, null, null);

    /// <summary>"Frozen until 2026-11-12 18:00 Asia/Shanghai (Singles' Day freeze; window 'singles-day') — next open …", or "Open".</summary>
    public string Describe()
    {
        if (!Frozen) return "Open";
        var why = $"({WindowReason}; window '{WindowName}')";
        var holds = WindowType == FreezeType.Allow
            ? $"Outside every allow window until {FreezeText.At(Until, TimeZone)} {why}"
            : $"Frozen until {FreezeText.At(Until, TimeZone)} {why}";
        // Without a next-open instant (not asked for, or beyond the horizon) the holding window's end is all there is to say.
        return NextOpen is null || NextOpen == Until ? holds : $"{holds} — next open {FreezeText.At(NextOpen, TimeZone)}";
    }
}

public sealed record ClusterFreeze(string Cluster, FreezeVerdict Verdict);

/// <summary>
/// A wave checked as a whole: frozen when any of its clusters is, with those clusters and the earliest instant at which all
/// of them are open together (null when none was found within the horizon, or it was not asked for).
/// </summary>
public sealed record WaveFreezeVerdict(bool Frozen, int Clusters, IReadOnlyList<ClusterFreeze> FrozenClusters, DateTimeOffset? NextOpen)
{
    public static readonly WaveFreezeVerdict Open = new(false, 0, [], null);

    public string Describe()
    {
        if (!Frozen) return "Open";
        var first = FrozenClusters[0];
        var others = FrozenClusters.Count > 1 ? $" and {FrozenClusters.Count - 1} more of {Clusters} clusters" : "";
        var zone = first.Verdict.TimeZone;
        var next = NextOpen is null ? "no time found soon when all its clusters are open" : $"earliest start {FreezeText.At(NextOpen, zone)}";
        return $"{first.Cluster}{others}: {first.Verdict.Describe()}; {next}.";
    }
}

public static class FreezeText
{
    /// <summary>"2026-11-12 18:00 Asia/Shanghai": an instant as people in the window's zone read it.</summary>
    public static string At(DateTimeOffset? instant, string? zoneId)
    {
        if (instant is not { } at) return "further than the calendar looks ahead";
        var zone = ZoneClock.Find(zoneId) ?? TimeZoneInfo.Utc;
        return ZoneClock.ToLocal(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + (zoneId ?? "UTC");
    }
}
