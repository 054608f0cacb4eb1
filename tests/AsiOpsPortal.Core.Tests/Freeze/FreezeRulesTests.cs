using AsiOpsPortal.Core.Freeze;

namespace AsiOpsPortal.Core.Tests.Freeze;

public class FreezeRulesTests
{
    private static FreezeWindow OneOff(string zone = "Asia/Shanghai") => new()
    {
        Name = "singles-day", Reason = "Singles' Day freeze", TimeZone = zone,
        Start = new DateTime(2026, 11, 10, 0, 0, 0), End = new DateTime(2026, 11, 12, 18, 0, 0),
    };

    private static FreezeWindow Weekly(string rrule = "FREQ=WEEKLY;BYDAY=SA", int? minutes = 24 * 60, string zone = "Europe/Berlin") => new()
    {
        Name = "weekends", Reason = "No changes on Saturdays", TimeZone = zone, Start = new DateTime(2026, 1, 3, 0, 0, 0), Rrule = rrule, DurationMinutes = minutes,
    };

    [Fact]
    public void Validate_AcceptsOneOffAndRecurringWindows()
    {
        Assert.Empty(FreezeRules.Validate(OneOff()));
        Assert.Empty(FreezeRules.Validate(Weekly()));
        Assert.Empty(FreezeRules.Validate(Weekly("RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR")));
    }

    [Theory]
    [InlineData("FREQ=FORTNIGHTLY", "is not a valid iCalendar recurrence rule")]
    [InlineData("every saturday", "has no FREQ")]
    [InlineData("FREQ=DAILY;BYHOUR=25", "BYHOUR value 25 is out of range")]
    [InlineData("FREQ=MINUTELY", "recurs at most hourly")]
    public void Validate_ExplainsABadRrule(string rrule, string expected)
    {
        var problem = Assert.Single(FreezeRules.Validate(Weekly(rrule)));
        Assert.Contains(expected, problem);
        Assert.Contains(rrule, problem);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    public void Validate_RefusesAnUnknownTimeZone_NamingAnExample(string zone)
    {
        var problem = Assert.Single(FreezeRules.Validate(OneOff(zone)));
        Assert.Contains("time zone", problem);
        Assert.Contains("Asia/Shanghai", problem);
    }

    [Fact]
    public void Validate_RefusesAnEndBeforeItsStart()
    {
        var window = OneOff();
        window.End = window.Start.AddHours(-1);
        Assert.Contains("must be after the start", Assert.Single(FreezeRules.Validate(window)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-30)]
    public void Validate_RefusesADurationOfZeroOrLess(int minutes) =>
        Assert.Contains("durationMinutes must be more than 0", Assert.Single(FreezeRules.Validate(Weekly(minutes: minutes))));

    [Fact]
    public void Validate_WantsExactlyOneOfEndOrRecurrence()
    {
        var both = Weekly();
        both.End = both.Start.AddDays(1);
        Assert.Contains("not both", Assert.Single(FreezeRules.Validate(both)));

        var neither = OneOff();
        neither.End = null;
        Assert.Contains("Give either an end", Assert.Single(FreezeRules.Validate(neither)));

        var noDuration = Weekly(minutes: null);
        Assert.Contains("needs durationMinutes", Assert.Single(FreezeRules.Validate(noDuration)));
    }

    [Fact]
    public void Validate_WantsANameAndAReason()
    {
        var window = OneOff();
        window.Name = " ";
        window.Reason = "";
        Assert.Equal(2, FreezeRules.Validate(window).Count);
    }

    [Fact]
    public void Occurrences_StayAtWallClockMidnight_AcrossDaylightSavingChanges()
    {
        var window = Weekly();
        var berlin = ZoneClock.Find("Europe/Berlin")!;

        var occurrences = FreezeRules.Occurrences(window, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));

        Assert.True(occurrences.Count > 30);
        Assert.All(occurrences, o =>
        {
            Assert.Equal(DayOfWeek.Saturday, ZoneClock.ToLocal(o.Start, berlin).DayOfWeek);
            Assert.Equal(TimeSpan.Zero, ZoneClock.ToLocal(o.Start, berlin).TimeOfDay);
            Assert.Equal(TimeSpan.Zero, ZoneClock.ToLocal(o.End, berlin).TimeOfDay);
        });
        // Summer midnight is 22:00 UTC, winter midnight 23:00 UTC.
        Assert.Contains(occurrences, o => o.Start.UtcDateTime.Hour == 22);
        Assert.Contains(occurrences, o => o.Start.UtcDateTime.Hour == 23);
    }

    [Fact]
    public void Occurrences_ReadAStartSkippedBySpringForward_WithTheOffsetBeforeTheGap()
    {
        // 02:30 does not exist in New York on 2026-03-08: it is read as 03:30 EDT (07:30 UTC).
        var window = new FreezeWindow
        {
            Name = "nightly", Reason = "batch", TimeZone = "America/New_York", Start = new DateTime(2026, 3, 1, 2, 30, 0), Rrule = "FREQ=DAILY", DurationMinutes = 60,
        };

        var occurrences = FreezeRules.Occurrences(window, new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.Zero));

        Assert.Contains(occurrences, o => o.Start == new DateTimeOffset(2026, 3, 8, 7, 30, 0, TimeSpan.Zero) && o.End > o.Start);
    }

    [Fact]
    public void ZoneClock_TakesTheFirstOfTwoAmbiguousTimes()
    {
        // 01:30 happens twice in New York on 2026-11-01; the first is EDT (05:30 UTC).
        var instant = ZoneClock.ToInstant(new DateTime(2026, 11, 1, 1, 30, 0), ZoneClock.Find("America/New_York")!);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero), instant);
    }
}
