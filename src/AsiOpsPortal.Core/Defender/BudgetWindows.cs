namespace AsiOpsPortal.Core.Defender;

/// <summary>
/// Sliding windows of spends: "3 per 1m" means never more than 3 spends in any 60 seconds, not 3 per calendar minute
/// (which lets 6 through around a minute's turn). A window keeps the times of the spends it may still count, ascending;
/// a spend at t counts while now &lt; t + length, so at exactly t + length it has left and its token is back.
/// </summary>
public static class BudgetWindows
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> Known = new Dictionary<string, TimeSpan>
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["1h"] = TimeSpan.FromHours(1),
        ["24h"] = TimeSpan.FromHours(24),
    };

    /// <summary>How a window stands at <paramref name="now"/>: its tokens in use, and whether one is left.</summary>
    public static WindowStanding Check(IReadOnlyList<long> spends, int limit, TimeSpan length, DateTimeOffset now)
    {
        var first = FirstCounted(spends, length, now);
        var used = spends.Count - first;
        // With a lowered limit more spends than the limit may still count: a token is back when all but limit - 1 have left.
        var refillsAt = used < limit ? (DateTimeOffset?)null : new DateTimeOffset(spends[first + used - limit], TimeSpan.Zero) + length;
        return new WindowStanding(used, limit, refillsAt);
    }

    /// <summary>
    /// The window after one more spend at <paramref name="now"/>: spends that left dropped, the new one added. Spending only
    /// where <see cref="Check"/> found room keeps at most limit spends. A spend is never recorded before the newest one: a
    /// portal process whose clock lags counts its spend a little late, which refuses sooner, never later.
    /// </summary>
    public static List<long> Spend(IReadOnlyList<long> spends, TimeSpan length, DateTimeOffset now)
    {
        var at = spends.Count > 0 ? Math.Max(now.UtcTicks, spends[^1]) : now.UtcTicks;
        return spends.Skip(FirstCounted(spends, length, now)).Append(at).ToList();
    }

    private static int FirstCounted(IReadOnlyList<long> spends, TimeSpan length, DateTimeOffset now)
    {
        var leftBy = (now - length).UtcTicks;
        var first = 0;
        while (first < spends.Count && spends[first] <= leftBy) first++;
        return first;
    }
}

/// <summary>A window's tokens in use out of its limit; <see cref="RefillsAt"/>: when the next token is back, if none is left.</summary>
public sealed record WindowStanding(int Used, int Limit, DateTimeOffset? RefillsAt)
{
    public bool HasRoom => RefillsAt is null;
}
