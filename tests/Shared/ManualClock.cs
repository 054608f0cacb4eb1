namespace AsiOpsPortal.Tests.Shared;

/// <summary>A clock that stands still until a test moves it: time-based rules tested without waiting.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
