using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AsiOpsPortal.Web.Audit;

/// <summary>
/// One audited unit of work: opens a transaction, lets the caller change rows and record what it did, saves and commits.
/// This is the one place that keeps "the audit event commits with the change it records, or neither does".
/// The events are appended only after the work's rows are saved, just before the commit: the chain's lock serialises
/// every audited write in the fleet, so it is held for the append and the commit, never for the work itself.
/// </summary>
public sealed class AuditedWrite(AuditLog audit)
{
    /// <summary>
    /// Runs <paramref name="work"/> in a new transaction on <paramref name="db"/>, saves, and commits. A save that fails with a
    /// <see cref="DbUpdateException"/> that <paramref name="refuse"/> turns into an answer throws that answer instead; nothing
    /// of the work stays. The work may save on its own (to learn generated ids) and throw to give everything up.
    /// </summary>
    public async Task RunAsync(PortalDbContext db, Actor actor, Func<AuditTrail, Task> work, CancellationToken ct,
        Func<DbUpdateException, Exception?>? refuse = null)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // A failed save gives the whole unit up, so EF's savepoint around each save (two more round trips, the second
        // pair under the chain's lock) would never be rolled back to.
        db.Database.AutoSavepointsEnabled = false;
        var trail = new AuditTrail();
        await work(trail);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (refuse?.Invoke(e) is { } answer)
        {
            throw answer;
        }
        if (trail.Events.Count > 0)
        {
            await audit.AppendAsync(db, actor.Name, trail.Events, ct);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// <see cref="RunAsync"/> for writers that lose gracefully: when the save finds that someone else wrote the same rows first
    /// (a concurrency conflict), nothing of the work stays and the answer is false, so the caller can re-read and decide again.
    /// </summary>
    public async Task<bool> TryRunAsync(PortalDbContext db, Actor actor, Func<AuditTrail, Task> work, CancellationToken ct)
    {
        try
        {
            await RunAsync(db, actor, work, ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    /// <summary>Whether the save broke a unique index: someone created the same name (or took the same turn) at the same moment.</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}

/// <summary>
/// The audit side of one <see cref="AuditedWrite"/>: what the work did, in order, appended in its transaction in the name of
/// its actor once the work's rows are saved.
/// </summary>
public sealed class AuditTrail
{
    internal List<AuditEntry> Events { get; } = [];

    /// <summary>Records an event, to be appended in the unit's actor's name (the audit stores the name only).</summary>
    public Task RecordAsync(string action, string target, string details = "", bool succeeded = true)
    {
        Events.Add(new AuditEntry(action, target, details, succeeded));
        return Task.CompletedTask;
    }
}
