namespace AsiOpsPortal.Core.Freeze;

/// <summary>Wall-clock times in a time zone to instants and back, with the RFC 5545 answers for DST gaps and overlaps.</summary>
public static class ZoneClock
{
    /// <summary>The zone for an IANA id (Windows ids work too, as .NET maps them); null when the system does not know it.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
    }

    /// <summary>
    /// The instant of <paramref name="local"/> in <paramref name="zone"/>. A time skipped by a DST gap is read with the
    /// offset before the gap (02:30 on spring-forward night becomes 03:30); a time that happens twice is the first one.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(local))
        {
            var earliest = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local - earliest, TimeSpan.Zero);
        }
        if (zone.IsInvalidTime(local))
        {
            // Walk back to the last valid wall-clock time: its offset is the one in force before the gap.
            var before = local;
            do before = before.AddMinutes(-15); while (zone.IsInvalidTime(before));
            return new DateTimeOffset(local - zone.GetUtcOffset(before), TimeSpan.Zero);
        }
        return new DateTimeOffset(local - zone.GetUtcOffset(local), TimeSpan.Zero);
    }

    /// <summary>The wall-clock time of <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static DateTime ToLocal(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(instant, zone).DateTime, DateTimeKind.Unspecified);
}
