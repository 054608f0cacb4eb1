using System.Text.Json.Serialization;

namespace AsiOpsPortal.Core.Freeze;

/// <summary>
/// A period in which changes may not start (deny) or may start only inside it (allow), over part of the fleet. Times are
/// wall-clock times in <see cref="TimeZone"/>: either one occurrence from <see cref="Start"/> to <see cref="End"/>, or an
/// iCalendar RRULE from <see cref="Start"/> with each occurrence lasting <see cref="DurationMinutes"/>.
/// </summary>
public class FreezeWindow
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string Reason { get; set; } = "";
    public FreezeType Type { get; set; } = FreezeType.Deny;
    public FreezeScope Scope { get; set; } = new();

    /// <summary>Wall-clock start in <see cref="TimeZone"/> (of the first occurrence, for a recurring window).</summary>
    public DateTime Start { get; set; }
    /// <summary>Wall-clock end of a one-off window; null for a recurring one.</summary>
    public DateTime? End { get; set; }
    /// <summary>iCalendar recurrence rule without the "RRULE:" prefix, e.g. <c>FREQ=WEEKLY;BYDAY=SA</c>.</summary>
    public string? Rrule { get; set; }
    public int? DurationMinutes { get; set; }
    /// <summary>IANA time zone the times are written in, e.g. Asia/Shanghai.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Rollbacks run through a freeze unless the window says they must not.</summary>
    public bool BlocksRollback { get; set; }

    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public bool IsRecurring => Rrule is not null;
}

public enum FreezeType
{
    /// <summary>No change starts inside the window.</summary>
    Deny,
    /// <summary>Where any allow window covers a cluster, changes start there only inside one.</summary>
    Allow,
}

/// <summary>
/// Which clusters a window covers. Each non-empty list must match (any of its values); an empty list matches every cluster,
/// so an empty scope is the whole fleet. Labels must all be present with the given values.
/// </summary>
public sealed class FreezeScope
{
    public List<string> Environments { get; set; } = [];
    public List<string> Regions { get; set; } = [];
    public List<int> Tiers { get; set; } = [];
    /// <summary>Named clusters.</summary>
    public List<string> Clusters { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];

    [JsonIgnore]
    public bool IsWholeFleet => Environments.Count == 0 && Regions.Count == 0 && Tiers.Count == 0 && Clusters.Count == 0 && Labels.Count == 0;

    public override string ToString()
    {
        if (IsWholeFleet) return "the whole fleet";
        var parts = new List<string>();
        if (Environments.Count > 0) parts.Add($"environment {string.Join("/", Environments)}");
        if (Regions.Count > 0) parts.Add($"region {string.Join("/", Regions)}");
        if (Tiers.Count > 0) parts.Add($"tier {string.Join("/", Tiers)}");
        if (Clusters.Count > 0) parts.Add($"clusters {string.Join(", ", Clusters)}");
        if (Labels.Count > 0) parts.Add($"labels {string.Join(", ", Labels.Select(l => $"{l.Key}={l.Value}"))}");
        return string.Join("; ", parts);
    }
}
