using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Defender;

/// <summary>Which decisions to list. <see cref="WouldRefuse"/> picks shadow refusals (allowed, but a shadow budget would have refused).</summary>
public sealed record DecisionQuery(string? Cluster = null, bool? Allowed = null, bool? WouldRefuse = null, int Page = 0, int PageSize = 50);

public sealed record DecisionPage(IReadOnlyList<DefenderDecision> Items, int Total);

/// <summary>Reads the defender's recorded decisions for the page and the API.</summary>
public sealed class DefenderQueries(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>Decisions newest first, filtered by cluster and outcome; uses the (cluster, allowed, time) index.</summary>
    public async Task<DecisionPage> DecisionsAsync(DecisionQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var decisions = db.DefenderDecisions.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Cluster)) decisions = decisions.Where(d => d.Cluster == query.Cluster.Trim());
        if (query.Allowed is { } allowed) decisions = decisions.Where(d => d.Allowed == allowed);
        if (query.WouldRefuse is { } wouldRefuse) decisions = decisions.Where(d => d.WouldRefuse == wouldRefuse);
        var pageSize = Math.Clamp(query.PageSize, 1, Paging.MaxPageSize);
        var total = await decisions.CountAsync(ct);
        var items = await decisions.OrderByDescending(d => d.At).ThenByDescending(d => d.Id)
            .Skip(Paging.Skip(query.Page, pageSize)).Take(pageSize).ToListAsync(ct);
        return new DecisionPage(items, total);
    }
}
