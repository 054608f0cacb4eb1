using AsiOpsPortal.Core.Audit;

namespace AsiOpsPortal.Core.Tests;

public class AuditChainTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);

    /// <summary>A valid chain of <paramref name="count"/> events with ids 1..count, as <c>AuditLog</c> writes them.</summary>
    private static List<AuditEvent> Chain(int count)
    {
        var events = new List<AuditEvent>();
        var previous = AuditChain.Genesis;
        for (var id = 1; id <= count; id++)
        {
            var e = new AuditEvent
            {
                Id = id,
                At = Start.AddSeconds(id).AddTicks(id * 10), // whole microseconds, as stored
                Actor = id % 2 == 0 ? "bob" : "alice",
                Action = "cluster.updated",
                Target = $"cluster/c{id}",
                Details = $"tier={id % 4}",
                Succeeded = true,
                PreviousHash = previous,
                Hash = "",
            };
            e.Hash = AuditChain.ComputeHash(e);
            previous = e.Hash;
            events.Add(e);
        }
        return events;
    }

    [Fact]
    public void FindFirstBreak_ReturnsNull_WhenChainIsIntact() =>
        Assert.Null(AuditChain.FindFirstBreak(Chain(10)));

    [Fact]
    public void FindFirstBreak_ReturnsNull_WhenThereAreNoEvents() =>
        Assert.Null(AuditChain.FindFirstBreak([]));

    [Theory]
    [InlineData("at")]
    [InlineData("actor")]
    [InlineData("action")]
    [InlineData("target")]
    [InlineData("details")]
    [InlineData("succeeded")]
    public void FindFirstBreak_ReportsAlteredEvent_WhenOneOfItsFieldsChanged(string field)
    {
        var events = Chain(5);
        var victim = events[2];
        switch (field)
        {
            case "at": victim.At = victim.At.AddSeconds(-1); break;
            case "actor": victim.Actor = "mallory"; break;
            case "action": victim.Action = "cluster.removed"; break;
            case "target": victim.Target = "cluster/other"; break;
            case "details": victim.Details += " "; break;
            default: victim.Succeeded = false; break;
        }

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(3, broken.EventId);
        Assert.Contains("altered", broken.Reason);
    }

    [Fact]
    public void FindFirstBreak_ReportsEventAfterTheGap_WhenAnEventIsRemoved()
    {
        var events = Chain(5);
        events.RemoveAt(2); // id 3

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(4, broken.EventId);
        Assert.Contains("removed or reordered", broken.Reason);
    }

    [Fact]
    public void FindFirstBreak_ReportsSecondEvent_WhenTheFirstEventIsRemoved()
    {
        var events = Chain(3);
        events.RemoveAt(0);

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(2, broken.EventId);
        Assert.Contains("removed or reordered", broken.Reason);
    }

    [Fact]
    public void FindFirstBreak_ReportsFirstEventOutOfPlace_WhenTwoEventsAreSwapped()
    {
        var events = Chain(5);
        (events[2], events[3]) = (events[3], events[2]); // order 1, 2, 4, 3, 5

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(4, broken.EventId);
        Assert.Contains("removed or reordered", broken.Reason);
    }

    [Fact]
    public void FindFirstBreak_ReportsFollowingEvent_WhenAnAlteredEventWasRehashed()
    {
        var events = Chain(5);
        events[2].Details = "tier=0";
        events[2].Hash = AuditChain.ComputeHash(events[2]);

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(4, broken.EventId);
    }

    [Fact]
    public void FindFirstBreak_ReportsAlteredEvent_WhenOnlyItsHashWasReplaced()
    {
        var events = Chain(4);
        events[1].Hash = new string('a', 64);

        var broken = AuditChain.FindFirstBreak(events);

        Assert.NotNull(broken);
        Assert.Equal(2, broken.EventId);
        Assert.Contains("altered", broken.Reason);
    }

    [Fact]
    public void FindFirstBreak_ContinuesAChain_WhenGivenThePreviousBatchesLastHash()
    {
        var events = Chain(6);

        Assert.Null(AuditChain.FindFirstBreak(events.Skip(3), expectedPrevious: events[2].Hash));
        Assert.Equal(4, AuditChain.FindFirstBreak(events.Skip(3))?.EventId);
    }

    /// <summary>What the append before the fix did: two events added in one transaction both took the hash stored before them.</summary>
    private static void ChainOnTheSamePreviousAsTheEventBefore(List<AuditEvent> events, int index)
    {
        events[index].PreviousHash = events[index - 1].PreviousHash;
        events[index].Hash = AuditChain.ComputeHash(events[index]);
        for (var i = index + 1; i < events.Count; i++)
        {
            events[i].PreviousHash = events[i - 1].Hash;
            events[i].Hash = AuditChain.ComputeHash(events[i]);
        }
    }

    [Fact]
    public void FindBreaks_ReturnsNothing_WhenChainIsIntact() =>
        Assert.Empty(AuditChain.FindBreaks(Chain(10)));

    [Fact]
    public void FindBreaks_NamesExactlyTheAlteredEvent_WhenOneRowWasTampered()
    {
        var events = Chain(10);
        events[6].Actor = "mallory";

        var breaks = AuditChain.FindBreaks(events).ToList();

        var only = Assert.Single(breaks);
        Assert.Equal(7, only.EventId);
        Assert.Contains("altered", only.Reason);
    }

    [Fact]
    public void FindBreaks_ReportsEveryBrokenLink_WhenSeveralEventsWereAltered()
    {
        var events = Chain(10);
        events[1].Details = "tier=9";
        events[4].Target = "cluster/elsewhere";
        events[9].Succeeded = false;

        Assert.Equal([2, 5, 10], AuditChain.FindBreaks(events).Select(b => b.EventId));
    }

    [Fact]
    public void FindBreaks_StillReportsALaterTamperedEvent_WhenAnEarlierPairWasChainedOnTheSamePreviousHash()
    {
        var events = Chain(10);
        ChainOnTheSamePreviousAsTheEventBefore(events, 3); // id 4
        events[7].Action = "cluster.removed"; // id 8

        var breaks = AuditChain.FindBreaks(events).ToList();

        Assert.Equal([4, 8], breaks.Select(b => b.EventId));
        Assert.Contains("removed or reordered", breaks[0].Reason);
        Assert.Contains("altered", breaks[1].Reason);
    }

    [Fact]
    public void FindBreaks_ReportsOnlyTheEventAfterTheGap_WhenAnEventIsRemoved()
    {
        var events = Chain(8);
        events.RemoveAt(2); // id 3

        var only = Assert.Single(AuditChain.FindBreaks(events));

        Assert.Equal(4, only.EventId);
        Assert.Contains("removed or reordered", only.Reason);
    }

    [Fact]
    public void FindBreaks_ReportsEachEventOutOfPlace_WhenTwoEventsAreSwapped()
    {
        var events = Chain(6);
        (events[2], events[3]) = (events[3], events[2]); // order 1, 2, 4, 3, 5, 6

        // 4 does not follow 2, 3 does not follow 4, 5 does not follow 3; 6 still follows 5.
        Assert.Equal([4, 3, 5], AuditChain.FindBreaks(events).Select(b => b.EventId));
    }

    [Fact]
    public void Reseal_MakesTheChainIntact_WhenResealedFromTheBrokenEvent()
    {
        var events = Chain(6);
        ChainOnTheSamePreviousAsTheEventBefore(events, 2); // id 3
        Assert.Equal(3, AuditChain.FindFirstBreak(events)?.EventId);
        var before = events.Select(e => (e.Id, e.PreviousHash, e.Hash)).ToList();

        var replaced = AuditChain.Reseal(events.Skip(2), events[1].Hash);

        Assert.Empty(AuditChain.FindBreaks(events));
        Assert.Equal(before.Skip(2).Select(b => new ReplacedLink(b.Id, b.PreviousHash, b.Hash)), replaced);
        Assert.Equal(before.Take(2), events.Take(2).Select(e => (e.Id, e.PreviousHash, e.Hash)));
    }

    [Fact]
    public void Reseal_ReplacesNothing_WhenTheChainWasIntact()
    {
        var events = Chain(4);

        Assert.Empty(AuditChain.Reseal(events.Skip(1), events[0].Hash));
        Assert.Empty(AuditChain.FindBreaks(events));
    }

    [Fact]
    public void ComputeHash_IsSame_WhenTimestampsDifferOnlyBelowAMicrosecond()
    {
        var precise = new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.Zero).AddTicks(1_234_567); // .1234567 s
        var asStored = precise.AddTicks(-7); // PostgreSQL keeps .123456 s

        Assert.Equal(
            AuditChain.ComputeHash(AuditChain.Genesis, precise, "bob", "auth.login", "", "", true),
            AuditChain.ComputeHash(AuditChain.Genesis, asStored, "bob", "auth.login", "", "", true));
    }

    [Fact]
    public void FindFirstBreak_ReturnsNull_WhenEventWasHashedBeforeItsTimestampWasTruncatedToMicroseconds()
    {
        var at = Start.AddTicks(9_999_999);
        var e = new AuditEvent { Id = 1, At = at, Actor = "bob", Action = "auth.login", PreviousHash = AuditChain.Genesis, Hash = "" };
        e.Hash = AuditChain.ComputeHash(e);

        e.At = new DateTimeOffset(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero); // the round trip through a timestamptz column

        Assert.Null(AuditChain.FindFirstBreak([e]));
    }

    [Fact]
    public void ComputeHash_Differs_WhenTimestampsDifferByAMicrosecond() =>
        Assert.NotEqual(
            AuditChain.ComputeHash(AuditChain.Genesis, Start, "bob", "auth.login", "", "", true),
            AuditChain.ComputeHash(AuditChain.Genesis, Start.AddTicks(10), "bob", "auth.login", "", "", true));

    [Fact]
    public void ComputeHash_IsSame_WhenTheSameInstantHasAnotherOffset() =>
        Assert.Equal(
            AuditChain.ComputeHash(AuditChain.Genesis, Start, "bob", "auth.login", "", "", true),
            AuditChain.ComputeHash(AuditChain.Genesis, Start.ToOffset(TimeSpan.FromHours(8)), "bob", "auth.login", "", "", true));

    [Fact]
    public void ComputeHash_Differs_WhenTextMovesBetweenFields() =>
        Assert.NotEqual(
            AuditChain.ComputeHash(AuditChain.Genesis, Start, "ab", "c", "", "", true),
            AuditChain.ComputeHash(AuditChain.Genesis, Start, "a", "bc", "", "", true));

    [Fact]
    public void ComputeHash_Differs_WhenPreviousHashDiffers() =>
        Assert.NotEqual(
            AuditChain.ComputeHash(AuditChain.Genesis, Start, "bob", "auth.login", "", "", true),
            AuditChain.ComputeHash(new string('1', 64), Start, "bob", "auth.login", "", "", true));

    [Fact]
    public void ComputeHash_ReturnsLowercaseSha256Hex_WhenCalled() =>
        Assert.Matches("^[0-9a-f]{64}$", AuditChain.ComputeHash(AuditChain.Genesis, Start, "bob", "auth.login", "", "", true));
}
