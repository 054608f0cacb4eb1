using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Audit;

public sealed record AuditQuery(string? Search = null, string? Actor = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 0, int PageSize = 50);

public sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string Target, string Details, bool Succeeded);

public sealed record AuditPage(IReadOnlyList<AuditRow> Items, int Total);

public sealed record AuditVerification(bool Intact, int EventsChecked, long? BrokenEventId, string? Reason);

/// <summary>Reads the audit trail: search, and verification of the hash chain.</summary>
public sealed class AuditService(IDbContextFactory<PortalDbContext> dbFactory)
{
    private const int VerifyBatch = 5_000;

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

    /// <summary>Re-computes every hash in id order and reports the first broken link.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expectedPrevious = AuditChain.Genesis;
        long afterId = 0;
        var checkedCount = 0;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking().Where(e => e.Id > afterId).OrderBy(e => e.Id).Take(VerifyBatch).ToListAsync(ct);
            if (batch.Count == 0) return new AuditVerification(true, checkedCount, null, null);
            if (AuditChain.FindFirstBreak(batch, expectedPrevious) is { } broken)
                return new AuditVerification(false, checkedCount + batch.FindIndex(e => e.Id == broken.EventId), broken.EventId, broken.Reason);
            checkedCount += batch.Count;
            expectedPrevious = batch[^1].Hash;
            afterId = batch[^1].Id;
        }
    }

    internal static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
