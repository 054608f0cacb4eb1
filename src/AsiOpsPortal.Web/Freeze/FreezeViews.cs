using AsiOpsPortal.Core.Freeze;

namespace AsiOpsPortal.Web.Freeze;

/// <summary>
/// The body of <c>POST /api/v1/freeze-windows</c>. <see cref="Start"/> and <see cref="End"/> are wall-clock times in
/// <see cref="TimeZone"/> ("2026-11-11T00:00"); with an offset ("2026-11-11T00:00+08:00" or "…Z") they are instants, shown
/// in the zone.
/// </summary>
public sealed record FreezeWindowRequest(
    string? Name,
    string? Reason,
    string? Type,
    FreezeScope? Scope,
    string? Start,
    string? End,
    string? Rrule,
    int? DurationMinutes,
    string? TimeZone,
    bool? BlocksRollback = null);

public sealed record FreezeWindowView(
    Guid Id,
    string Name,
    string Reason,
    string Type,
    FreezeScope Scope,
    string ScopeText,
    string Start,
    string? End,
    string? Rrule,
    int? DurationMinutes,
    string TimeZone,
    bool BlocksRollback,
    string Schedule,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    IReadOnlyList<OccurrenceView> Upcoming);

/// <summary>One occurrence of a window for the calendar, with its instants and its wall-clock times in the window's zone.</summary>
public sealed record OccurrenceView(Guid WindowId, string Name, string Type, DateTimeOffset Start, DateTimeOffset End, string LocalStart, string LocalEnd, string TimeZone);

/// <summary>
/// Whether changes may start now on a cluster (or a change's next wave): <see cref="Until"/> is when the holding window lets
/// go, <see cref="NextOpen"/> when every window does; <see cref="Message"/> is the banner text.
/// </summary>
public sealed record FreezeStatus(bool Frozen, string? Reason, DateTimeOffset? Until, DateTimeOffset? NextOpen, string? Window, string? TimeZone, string Message)
{
    public static readonly FreezeStatus Open = new(false, null, null, null, null, null, "Open: no freeze window holds it now.");

    public static FreezeStatus Of(FreezeVerdict verdict) => verdict.Frozen
        ? new(true, verdict.WindowReason, verdict.Until, verdict.NextOpen, verdict.WindowName, verdict.TimeZone, verdict.Describe())
        : Open;

    public static FreezeStatus Of(WaveFreezeVerdict verdict)
    {
        if (!verdict.Frozen) return Open;
        var first = verdict.FrozenClusters[0].Verdict;
        return new(true, first.WindowReason, first.Until, verdict.NextOpen, first.WindowName, first.TimeZone, verdict.Describe());
    }
}
