using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;

namespace AsiOpsPortal.Core.Freeze;

/// <summary>One occurrence of a window, as instants: frozen (or allowed) from <see cref="Start"/> up to, not including, <see cref="End"/>.</summary>
public readonly record struct FreezeInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>What a valid freeze window is, and the occurrences it expands to.</summary>
public static class FreezeRules
{
    public const int MaxNameLength = 100;
    public const int MaxReasonLength = 500;
    /// <summary>An occurrence longer than a year is a standing rule, not a window.</summary>
    public const int MaxDurationMinutes = 366 * 24 * 60;
    /// <summary>Guards expansion against rules that recur too often to be meant (e.g. hourly for a decade).</summary>
    public const int MaxOccurrencesPerWindow = 20_000;

    /// <summary>Every problem with <paramref name="window"/>, in words a person can act on; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(FreezeWindow window)
    {
        var problems = new List<string>();
        var name = window.Name ?? "";
        if (name.Trim().Length == 0) problems.Add("A name is required.");
        else if (name.Length > MaxNameLength) problems.Add($"The name is longer than {MaxNameLength} characters.");
        if ((window.Reason ?? "").Trim().Length == 0) problems.Add("Say why the window exists (reason); it is what people see when a change waits.");
        else if (window.Reason!.Length > MaxReasonLength) problems.Add($"The reason is longer than {MaxReasonLength} characters.");
        if (!Enum.IsDefined(window.Type)) problems.Add("type must be \"deny\" or \"allow\".");

        if (ZoneClock.Find(window.TimeZone) is null)
            problems.Add($"Unknown time zone '{window.TimeZone}'; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC.");

        var recurring = !string.IsNullOrWhiteSpace(window.Rrule) || window.DurationMinutes is not null;
        var oneOff = window.End is not null;
        if (recurring && oneOff)
            problems.Add("Give either an end (a one-off window) or rrule with durationMinutes (a recurring window), not both.");
        else if (!recurring && !oneOff)
            problems.Add("Give either an end (a one-off window) or rrule with durationMinutes (a recurring window).");
        else if (oneOff && window.End <= window.Start)
            problems.Add($"The end ({window.End:yyyy-MM-dd HH:mm}) must be after the start ({window.Start:yyyy-MM-dd HH:mm}).");
        else if (recurring)
        {
            if (string.IsNullOrWhiteSpace(window.Rrule)) problems.Add("A recurring window needs an rrule, e.g. FREQ=WEEKLY;BYDAY=SA.");
            else if (RruleProblem(window.Rrule) is { } rruleProblem) problems.Add(rruleProblem);
            if (window.DurationMinutes is null) problems.Add("A recurring window needs durationMinutes: how long each occurrence lasts.");
            else if (window.DurationMinutes <= 0) problems.Add("durationMinutes must be more than 0.");
            else if (window.DurationMinutes > MaxDurationMinutes) problems.Add($"durationMinutes must be at most {MaxDurationMinutes} (366 days).");
        }

        var scope = window.Scope ?? new FreezeScope();
        if (scope.Environments.Any(string.IsNullOrWhiteSpace) || scope.Regions.Any(string.IsNullOrWhiteSpace) || scope.Clusters.Any(string.IsNullOrWhiteSpace))
            problems.Add("Scope lists an empty environment, region or cluster name.");
        if (scope.Labels.Keys.Any(string.IsNullOrWhiteSpace)) problems.Add("Scope has a label with an empty key.");
        return problems;
    }

    /// <summary>Null when <paramref name="rrule"/> is a recurrence rule we can expand; otherwise what is wrong with it.</summary>
    public static string? RruleProblem(string rrule)
    {
        try
        {
            var text = Normalize(rrule);
            if (!text.Contains("FREQ=", StringComparison.OrdinalIgnoreCase)) return $"rrule '{rrule}' has no FREQ; start it with e.g. FREQ=WEEKLY.";
            var pattern = new RecurrencePattern(text);
            if (pattern.Frequency is FrequencyType.Secondly or FrequencyType.Minutely)
                return $"rrule '{rrule}': a freeze window recurs at most hourly (FREQ=HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY).";
            return null;
        }
        catch (ArgumentException e)
        {
            return $"rrule '{rrule}' is not a valid iCalendar recurrence rule: {FirstSentence(e.Message)} Example: FREQ=WEEKLY;BYDAY=SA.";
        }
    }

    /// <summary>Trims the rule and drops an "RRULE:" prefix people copy from .ics files.</summary>
    public static string Normalize(string rrule)
    {
        var text = rrule.Trim();
        return text.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase) ? text[6..].Trim() : text;
    }

    /// <summary>
    /// The occurrences of a valid window that overlap [<paramref name="from"/>, <paramref name="until"/>), in order. Recurrences
    /// expand in wall-clock time in the window's zone, so "every Saturday 00:00 Europe/Berlin" stays at midnight across DST;
    /// each occurrence ends at its wall-clock start plus the duration. Overlapping occurrences are merged.
    /// </summary>
    public static IReadOnlyList<FreezeInterval> Occurrences(FreezeWindow window, DateTimeOffset from, DateTimeOffset until)
    {
        var zone = ZoneClock.Find(window.TimeZone) ?? throw new ArgumentException($"Unknown time zone '{window.TimeZone}'.", nameof(window));
        if (window.Rrule is null)
        {
            var start = ZoneClock.ToInstant(window.Start, zone);
            var end = ZoneClock.ToInstant(window.End ?? window.Start, zone);
            return end > from && start < until && end > start ? [new FreezeInterval(start, end)] : [];
        }

        var duration = TimeSpan.FromMinutes(window.DurationMinutes ?? 0);
        // Floating (zone-less) times: the rule runs on the wall clock and we place each occurrence in the zone ourselves.
        var calendarEvent = new CalendarEvent { DtStart = new CalDateTime(DateTime.SpecifyKind(window.Start, DateTimeKind.Unspecified), true) };
        calendarEvent.RecurrenceRule = new RecurrencePattern(Normalize(window.Rrule));
        // Start the search a duration (and a day of zone offsets) early so an occurrence already running at 'from' is found.
        var searchFrom = ZoneClock.ToLocal(from, zone) - duration - TimeSpan.FromDays(1);
        var searchUntil = ZoneClock.ToLocal(until, zone) + TimeSpan.FromDays(1);
        var intervals = new List<FreezeInterval>();
        var seen = 0;
        foreach (var occurrence in calendarEvent.GetOccurrences(new CalDateTime(searchFrom < window.Start ? window.Start : searchFrom, true)))
        {
            var localStart = occurrence.Period.StartTime.Value;
            if (localStart > searchUntil || ++seen > MaxOccurrencesPerWindow) break;
            var start = ZoneClock.ToInstant(localStart, zone);
            var end = ZoneClock.ToInstant(localStart + duration, zone);
            // A wall-clock end swallowed by a DST gap can land on the start: keep the window as long as it was meant.
            if (end <= start) end = start + duration;
            if (end <= from || start >= until) continue;
            if (intervals.Count > 0 && start <= intervals[^1].End)
                intervals[^1] = intervals[^1] with { End = end > intervals[^1].End ? end : intervals[^1].End };
            else intervals.Add(new FreezeInterval(start, end));
        }
        return intervals;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        var text = cut >= 0 ? message[..cut] : message;
        return text.EndsWith('.') ? text : text + ".";
    }
}
