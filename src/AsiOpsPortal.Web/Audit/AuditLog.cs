using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

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
    public Task AppendAsync(PortalDbContext db, string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default) =>
        AppendAsync(db, actor, [new AuditEntry(action, target, details, succeeded)], ct);

    /// <summary>
    /// Adds several events, chained in this order, as the overload above adds one. Every audited write in the fleet waits
    /// for the chain's lock in turn, so it is held for as few round trips as can be: one to lock, read the chain's end and
    /// take the ids, one to insert (the caller's save), one to commit.
    /// </summary>
    public async Task AppendAsync(PortalDbContext db, string actor, IReadOnlyList<AuditEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return;
        var (storedEnd, ids) = await LockAndReserveAsync(db, entries.Count, ct);
        // An event added earlier in this transaction but not saved yet is the chain's end; the table does not know it yet.
        var pending = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).MaxBy(e => e.Id);
        var previous = pending?.Hash ?? storedEnd;
        var at = TruncateToMicroseconds(time.GetUtcNow());
        foreach (var (entry, id) in entries.Zip(ids))
        {
            var hash = AuditChain.ComputeHash(previous, at, actor, entry.Action, entry.Target, entry.Details, entry.Succeeded);
            db.AuditEvents.Add(new AuditEvent
            {
                Id = id,
                At = at,
                Actor = actor,
                Action = entry.Action,
                Target = entry.Target,
                Details = entry.Details,
                Succeeded = entry.Succeeded,
                PreviousHash = previous,
                Hash = hash,
            });
            previous = hash;
        }
    }

    /// <summary>
    /// Takes the chain's lock, then reads the stored end of the chain and takes <paramref name="count"/> ids from the table's
    /// sequence: one round trip. The read is a statement of its own after the lock, so it sees every append committed before
    /// the lock was granted; the ids, taken under the lock, rise in chain order across transactions, whatever order EF sends
    /// the inserts in.
    /// </summary>
    private static async Task<(string StoredEnd, IReadOnlyList<long> Ids)> LockAndReserveAsync(PortalDbContext db, int count, CancellationToken ct)
    {
        RequireTransaction(db);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(LockSql) { Parameters = { new() { Value = ChainLock } } },
                new NpgsqlBatchCommand(ReserveSql) { Parameters = { new() { Value = count } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var ids = new List<long>(count);
        string? storedEnd = null;
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
            storedEnd = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        ids.Sort();
        return (storedEnd ?? AuditChain.Genesis, ids);
    }

    private const string LockSql = "SELECT pg_advisory_xact_lock($1)";

    private const string ReserveSql = """
        SELECT nextval(pg_get_serial_sequence('audit_events', 'Id')),
               (SELECT "Hash" FROM audit_events ORDER BY "Id" DESC LIMIT 1)
        FROM generate_series(1, $1)
        """;

    /// <summary>Takes the chain's lock until the end of <paramref name="db"/>'s open transaction: no one else appends meanwhile.</summary>
    internal static async Task LockChainAsync(PortalDbContext db, CancellationToken ct)
    {
        RequireTransaction(db);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLock})", ct);
    }

    private static void RequireTransaction(PortalDbContext db)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audit events are appended inside the transaction of the change they describe.");
    }

    /// <summary>Records an event that stands alone (a login, a denied request).</summary>
    public async Task RecordAsync(string actor, string action, string target, string details = "", bool succeeded = true, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Its own transaction, not AuditedWrite's: AuditedWrite is built on this log, and the name here is often only
        // claimed (a failed sign-in), never an Actor the request vouched for.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Database.AutoSavepointsEnabled = false; // nothing to roll back to: a failed save gives the event up
        await AppendAsync(db, actor, action, target, details, succeeded, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>One event to append: what was done to what, how, and whether it succeeded.</summary>
public sealed record AuditEntry(string Action, string Target, string Details = "", bool Succeeded = true);
