using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Audit;

/// <summary>Appends hash-chained audit events. Appends are serialised by a transaction-scoped advisory lock.</summary>
public sealed class AuditLog(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Arbitrary but fixed: the advisory lock every audit append takes.</summary>
    private const long ChainLock = 0x4153_494F_5053; // "ASIOPS"

    /// <summary>
    /// Adds an event to <paramref name="db"/> inside the caller's open transaction, so the event commits with the change
    /// it describes or not at all. The caller saves and commits.
    /// </summary>
    public async Task AppendAsync(PortalDbContext db, string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audit events are appended inside the transaction of the change they describe.");
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLock})", ct);
        var previous = await db.AuditEvents.OrderByDescending(e => e.Id).Select(e => e.Hash).FirstOrDefaultAsync(ct) ?? AuditChain.Genesis;
        var at = TruncateToMicroseconds(time.GetUtcNow());
        db.AuditEvents.Add(new AuditEvent
        {
            At = at,
            Actor = actor,
            Action = action,
            Target = target,
            Details = details,
            Succeeded = succeeded,
            PreviousHash = previous,
            Hash = AuditChain.ComputeHash(previous, at, actor, action, target, details, succeeded),
        });
    }

    /// <summary>Records an event that stands alone (a login, a denied request).</summary>
    public async Task RecordAsync(string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await AppendAsync(db, actor, action, target, details, succeeded, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);
}
