using System.Globalization;

namespace AsiOpsPortal.Core.Risk;

/// <summary>Days of the week and a time-of-day window in one time zone, e.g. "Mon-Fri" and "09:00-18:00" in "Asia/Shanghai".</summary>
public sealed record BusinessHours(IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End, TimeZoneInfo Zone, string DaysText)
{
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    public bool Contains(DateTimeOffset moment)
    {
        var local = TimeZoneInfo.ConvertTime(moment, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return Days.Contains(local.DayOfWeek) && time >= Start && time < End;
    }

    public string Describe(DateTimeOffset moment) =>
        TimeZoneInfo.ConvertTime(moment, Zone).ToString("dddd HH:mm", CultureInfo.InvariantCulture) + $" ({Zone.Id})";

    public override string ToString() => $"{DaysText} {Start:HH\\:mm}-{End:HH\\:mm} {Zone.Id}";

    public static string? DaysProblem(string days) => ParseDays(days) is null ? "days must name weekdays like Mon-Fri or Mon,Wed,Sat." : null;

    public static string? HoursProblem(string hours) => ParseHours(hours) is null ? "hours must be a window like 09:00-18:00 (start before end)." : null;

    public static string? ZoneProblem(string zone) => FindZone(zone) is null ? $"timeZone '{zone}' is not a known time zone (use an IANA name like Asia/Shanghai, or UTC)." : null;

    public static BusinessHours Parse(string days, string hours, string zone) =>
        new(ParseDays(days) ?? throw new FormatException(DaysProblem(days)),
            ParseHours(hours)?.Start ?? throw new FormatException(HoursProblem(hours)), ParseHours(hours)!.Value.End,
            FindZone(zone) ?? throw new FormatException(ZoneProblem(zone)), days.Trim());

    private static TimeZoneInfo? FindZone(string zone)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    private static HashSet<DayOfWeek>? ParseDays(string text)
    {
        var days = new HashSet<DayOfWeek>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length > 2) return null;
            var from = Array.FindIndex(DayNames, d => d.Equals(range[0], StringComparison.OrdinalIgnoreCase));
            var to = Array.FindIndex(DayNames, d => d.Equals(range[^1], StringComparison.OrdinalIgnoreCase));
            if (from < 0 || to < 0) return null;
            for (var d = from; ; d = (d + 1) % 7)
            {
                days.Add((DayOfWeek)d);
                if (d == to) break;
            }
        }
        return days.Count == 0 ? null : days;
    }

    private static (TimeOnly Start, TimeOnly End)? ParseHours(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            || start >= end) return null;
        return (start, end);
    }
}
