using System.Text.Json;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Audit;

public sealed record AuditQuery(string? Search = null, string? Actor = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 0, int PageSize = 50);

public sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string Target, string Details, bool Succeeded);

public sealed record AuditPage(IReadOnlyList<AuditRow> Items, int Total);

/// <summary>
/// The chain's state. <see cref="BrokenEventId"/> and <see cref="Reason"/> name the first break; <see cref="Breaks"/> lists every
/// break up to <see cref="AuditService.BreaksListed"/>, and <see cref="BreaksTotal"/> says how many there are.
/// </summary>
public sealed record AuditVerification(bool Intact, int EventsChecked, long? BrokenEventId, string? Reason, IReadOnlyList<AuditBreak> Breaks, int BreaksTotal);

public sealed record ResealRequest(long? FromEventId, string? Reason);

public sealed record AuditReseal(long FromEventId, int Resealed, int LinksReplaced, long AuditEventId);

/// <summary>Reads the audit trail: search, verification of the hash chain, and its repair by an Admin.</summary>
public sealed class AuditService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write)
{
    private const int VerifyBatch = 5_000;
    public const int BreaksListed = 100;
    private const string DisableAppendOnly = "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete";
    private const string EnableAppendOnly = "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete";

    public async Task<AuditPage> SearchAsync(AuditQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var events = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Actor)) events = events.Where(e => e.Actor == query.Actor);
        if (!string.IsNullOrWhiteSpace(query.Action)) events = events.Where(e => e.Action.StartsWith(query.Action));
        if (query.From is { } from) events = events.Where(e => e.At >= from);
        if (query.To is { } to) events = events.Where(e => e.At < to);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{EscapeLike(query.Search.Trim())}%";
            events = events.Where(e => EF.Functions.ILike(e.Actor, pattern, "\\") || EF.Functions.ILike(e.Action, pattern, "\\")
                || EF.Functions.ILike(e.Target, pattern, "\\") || EF.Functions.ILike(e.Details, pattern, "\\"));
        }
        var pageSize = Math.Clamp(query.PageSize, 1, 500);
        var total = await events.CountAsync(ct);
        var items = await events.OrderByDescending(e => e.Id).Skip(Paging.Skip(query.Page, pageSize)).Take(pageSize)
            .Select(e => new AuditRow(e.Id, e.At, e.Actor, e.Action, e.Target, e.Details, e.Succeeded))
            .ToListAsync(ct);
        return new AuditPage(items, total);
    }

    /// <summary>Re-computes every hash in id order and reports every broken link (the first <see cref="BreaksListed"/> of them).</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expectedPrevious = AuditChain.Genesis;
        long afterId = 0;
        var checkedCount = 0;
        var breaks = new List<AuditBreak>();
        var total = 0;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking().Where(e => e.Id > afterId).OrderBy(e => e.Id).Take(VerifyBatch).ToListAsync(ct);
            if (batch.Count == 0) break;
            foreach (var broken in AuditChain.FindBreaks(batch, expectedPrevious))
            {
                if (breaks.Count < BreaksListed) breaks.Add(broken);
                total++;
            }
            checkedCount += batch.Count;
            expectedPrevious = batch[^1].Hash;
            afterId = batch[^1].Id;
        }
        return new AuditVerification(total == 0, checkedCount, breaks.FirstOrDefault()?.EventId, breaks.FirstOrDefault()?.Reason, breaks, total);
    }

    /// <summary>
    /// Re-seals the chain from <see cref="ResealRequest.FromEventId"/> to its end: every event from there on is linked anew to the
    /// one before it, under the chain lock, in one transaction that also appends an <c>audit.resealed</c> event holding the links
    /// it replaced. The events' contents are kept; only their previous-hash and hash change. For chains broken by an old bug, not
    /// to bless tampering: the record says who re-sealed what, why, and what the hashes were.
    /// </summary>
    public async Task<AuditReseal> ResealAsync(ResealRequest request, Actor actor, CancellationToken ct = default)
    {
        var reason = (request.Reason ?? "").Trim();
        var problems = new List<string>();
        if (request.FromEventId is not > 0) problems.Add("Name the event to re-seal from (fromEventId), usually the first broken link Verify reports.");
        if (reason.Length == 0) problems.Add("Say why the chain may be re-sealed; the reason is audited.");
        if (problems.Count > 0) throw new ValidationFailedException(problems);
        var fromId = request.FromEventId!.Value;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var replaced = new List<ReplacedLink>();
        var resealed = 0;
        await write.RunAsync(db, actor, async audit =>
        {
            await AuditLog.LockChainAsync(db, ct);
            if (!await db.AuditEvents.AnyAsync(e => e.Id == fromId, ct))
                throw new NotFoundException($"There is no audit event #{fromId}.");
            var previous = await db.AuditEvents.Where(e => e.Id < fromId).OrderByDescending(e => e.Id).Select(e => e.Hash).FirstOrDefaultAsync(ct)
                ?? AuditChain.Genesis;

            // The table refuses updates; its owner lifts that for this transaction only (DDL is transactional, and the table lock it
            // takes keeps every other session out until the commit puts the refusal back).
            await SwitchAppendOnlyAsync(db, enabled: false, ct);
            var afterId = fromId - 1;
            while (true)
            {
                var batch = await db.AuditEvents.Where(e => e.Id > afterId).OrderBy(e => e.Id).Take(VerifyBatch).ToListAsync(ct);
                if (batch.Count == 0) break;
                replaced.AddRange(AuditChain.Reseal(batch, previous));
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                resealed += batch.Count;
                previous = batch[^1].Hash;
                afterId = batch[^1].Id;
            }
            await SwitchAppendOnlyAsync(db, enabled: true, ct);

            await audit.RecordAsync(AuditActions.AuditResealed, $"audit/{fromId}", ResealDetails(fromId, resealed, reason, replaced));
        }, ct);
        var recorded = db.ChangeTracker.Entries<AuditEvent>().Single().Entity.Id;
        return new AuditReseal(fromId, resealed, replaced.Count, recorded);
    }

    private static async Task SwitchAppendOnlyAsync(PortalDbContext db, bool enabled, CancellationToken ct)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(enabled ? EnableAppendOnly : DisableAppendOnly, ct);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new ConflictException("The portal's database role does not own the audit table, so it cannot re-seal the chain. " +
                "Run the re-seal with the role that ran the database migrations.");
        }
    }

    /// <summary>Compact JSON: who asked and why is in the event itself; the replaced links are kept here, oldest first.</summary>
    internal static string ResealDetails(long fromId, int resealed, string reason, IReadOnlyList<ReplacedLink> replaced) =>
        JsonSerializer.Serialize(new
        {
            reason,
            fromEventId = fromId,
            resealed,
            replaced = replaced.Select(r => new { id = r.EventId, previousHash = r.OldPreviousHash, hash = r.OldHash }),
        });

    internal static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
