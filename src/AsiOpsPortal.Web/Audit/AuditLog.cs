using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Audit;

/// <summary>
/// Appends hash-chained audit events. Appends are serialised by a transaction-scoped advisory lock, and each event takes its id
/// from the table's sequence while holding it, so id order (the order verification walks) is the order the chain was built in.
/// </summary>
public sealed class AuditLog(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Arbitrary but fixed: the advisory lock every audit append takes.</summary>
    private const long ChainLock = 0x4153_494F_5053; // "ASIOPS"

    /// <summary>
    /// Adds an event to <paramref name="db"/> inside the caller's open transaction, so the event commits with the change
    /// it describes or not at all. The caller saves and commits. Several appends in one transaction chain onto each other,
    /// whether or not the caller saves in between.
    /// </summary>
    public async Task AppendAsync(PortalDbContext db, string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default)
    {
        await LockChainAsync(db, ct);
        // An event added earlier in this transaction but not saved yet is the chain's end; the table does not know it yet.
        var pending = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).MaxBy(e => e.Id);
        var previous = pending?.Hash ?? await LastHashAsync(db, ct);
        var at = TruncateToMicroseconds(time.GetUtcNow());
        db.AuditEvents.Add(new AuditEvent
        {
            // Taken under the lock: ids rise in chain order across transactions and whatever order EF sends the inserts in.
            Id = await db.Database.SqlQuery<long>($"SELECT nextval(pg_get_serial_sequence('audit_events', 'Id')) AS \"Value\"").SingleAsync(ct),
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

    /// <summary>Takes the chain's lock until the end of <paramref name="db"/>'s open transaction: no one else appends meanwhile.</summary>
    internal static async Task LockChainAsync(PortalDbContext db, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audit events are appended inside the transaction of the change they describe.");
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLock})", ct);
    }

    /// <summary>The hash of the last stored event (saved by this transaction or committed by others), or the genesis hash.</summary>
    internal static async Task<string> LastHashAsync(PortalDbContext db, CancellationToken ct) =>
        await db.AuditEvents.OrderByDescending(e => e.Id).Select(e => e.Hash).FirstOrDefaultAsync(ct) ?? AuditChain.Genesis;

    /// <summary>Records an event that stands alone (a login, a denied request).</summary>
    public async Task RecordAsync(string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Its own transaction, not AuditedWrite's: AuditedWrite is built on this log, and the name here is often only
        // claimed (a failed sign-in), never an Actor the request vouched for.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await AppendAsync(db, actor, action, target, details, succeeded, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);
}
