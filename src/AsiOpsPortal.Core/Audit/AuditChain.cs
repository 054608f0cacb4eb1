using System.Security.Cryptography;
using System.Text;

namespace AsiOpsPortal.Core.Audit;

/// <summary>The hash chain over audit events: each hash covers the event's fields and the previous hash.</summary>
public static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(string previousHash, DateTimeOffset at, string actor, string action, string target, string details, bool succeeded)
    {
        // Length-prefixed fields, so "ab"+"c" and "a"+"bc" never hash alike.
        var text = new StringBuilder();
        foreach (var field in new[] { previousHash, // Microseconds: what PostgreSQL keeps of a timestamp, so a stored event re-hashes the same.
            at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture), actor, action, target, details, succeeded ? "1" : "0" })
            text.Append(field.Length).Append(':').Append(field).Append('|');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static string ComputeHash(AuditEvent e) =>
        ComputeHash(e.PreviousHash, e.At, e.Actor, e.Action, e.Target, e.Details, e.Succeeded);

    /// <summary>Walks events in id order from <paramref name="expectedPrevious"/>; returns the first one whose link is broken.</summary>
    public static AuditBreak? FindFirstBreak(IEnumerable<AuditEvent> eventsInOrder, string expectedPrevious = Genesis) =>
        FindBreaks(eventsInOrder, expectedPrevious).FirstOrDefault();

    /// <summary>
    /// Walks events in id order from <paramref name="expectedPrevious"/> and yields every event whose link is broken, at most one
    /// per event. After a break the walk goes on from the event's stored hash, so one altered row is named alone and an early
    /// break cannot hide a later one.
    /// </summary>
    public static IEnumerable<AuditBreak> FindBreaks(IEnumerable<AuditEvent> eventsInOrder, string expectedPrevious = Genesis)
    {
        foreach (var e in eventsInOrder)
        {
            if (e.PreviousHash != expectedPrevious)
                yield return new AuditBreak(e.Id, "its previous-hash does not match the event before it (an event was removed or reordered)");
            else if (ComputeHash(e) != e.Hash)
                yield return new AuditBreak(e.Id, "its content does not match its hash (the event was altered)");
            expectedPrevious = e.Hash;
        }
    }

    /// <summary>
    /// Re-links <paramref name="eventsInOrder"/> onto <paramref name="previousHash"/>: sets each event's previous-hash and hash
    /// anew, in place. Returns the links as they were, for every event whose link changed, so the repair can keep them.
    /// </summary>
    public static IReadOnlyList<ReplacedLink> Reseal(IEnumerable<AuditEvent> eventsInOrder, string previousHash)
    {
        var replaced = new List<ReplacedLink>();
        foreach (var e in eventsInOrder)
        {
            var (oldPrevious, oldHash) = (e.PreviousHash, e.Hash);
            e.PreviousHash = previousHash;
            e.Hash = ComputeHash(e);
            if (e.PreviousHash != oldPrevious || e.Hash != oldHash) replaced.Add(new ReplacedLink(e.Id, oldPrevious, oldHash));
            previousHash = e.Hash;
        }
        return replaced;
    }
}

public sealed record AuditBreak(long EventId, string Reason);

/// <summary>An event's link before a re-seal replaced it.</summary>
public sealed record ReplacedLink(long EventId, string OldPreviousHash, string OldHash);
