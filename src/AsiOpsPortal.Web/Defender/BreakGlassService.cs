using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender;

/// <summary>
/// Break-glass: an Admin lifts the defender for one cluster, for at most <see cref="DefenderOptions.MaxBreakGlassMinutes"/>
/// and with a reason; it ends by time or when an Admin ends it early. Both are audited. While it lasts, the
/// <see cref="DefenderStore"/> allows the cluster's destructive requests without spending, and every page says so.
/// </summary>
public sealed class BreakGlassService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, DefenderStore store,
    IOptions<DefenderOptions> options, TimeProvider time)
{
    /// <summary>How stale the banner every page shows may be: one query per this long per process, not one per page render.</summary>
    public static readonly TimeSpan BannerRefresh = TimeSpan.FromSeconds(5);
    private sealed record Banner(IReadOnlyList<BreakGlassView> Active, DateTimeOffset ReadAt);
    private Banner? _banner;

    /// <summary>Every cluster's break-glass that has not ended, soonest end first.</summary>
    public async Task<IReadOnlyList<BreakGlassView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ActiveAsync(db, time.GetUtcNow(), ct);
    }

    /// <summary><see cref="ListAsync"/> as read at most <see cref="BannerRefresh"/> ago, for the banner on every page.</summary>
    public async Task<IReadOnlyList<BreakGlassView>> CurrentAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (_banner is { } banner && now - banner.ReadAt < BannerRefresh) return banner.Active.Where(b => b.EndsAt > now).ToList();
        var active = await ListAsync(ct);
        _banner = new Banner(active, now);
        return active;
    }

    public async Task<BreakGlassView> StartAsync(BreakGlassRequest request, Actor actor, CancellationToken ct = default)
    {
        var max = options.Value.MaxBreakGlassMinutes;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Cluster)) problems.Add("cluster: name the cluster to lift the defender for.");
        if (request.Minutes is not { } minutes || minutes < 1 || minutes > max)
            problems.Add($"minutes: must be between 1 and {max} (was {request.Minutes?.ToString() ?? "missing"}).");
        if (string.IsNullOrWhiteSpace(request.Reason)) problems.Add("reason: say why the defender must be lifted (audited, shown on every page).");
        if (problems.Count > 0) throw new ValidationFailedException(problems);

        var cluster = request.Cluster!.Trim();
        var now = time.GetUtcNow();
        var glass = new DefenderBreakGlass { Reason = request.Reason!.Trim(), StartedBy = actor.Name, StartedAt = now, EndsAt = now.AddMinutes(request.Minutes!.Value) };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            glass.ClusterId = await LockClusterAsync(db, cluster, ct);
            if (await ActiveOfAsync(db, glass.ClusterId, now, ct) is { } active)
                throw new ConflictException($"The defender is already lifted for cluster '{cluster}' by {active.StartedBy} until {AdmissionRules.Instant(active.EndsAt)}; end it first.");
            db.DefenderBreakGlasses.Add(glass);
            await audit.RecordAsync(AuditActions.DefenderBreakGlassStarted, Target(cluster),
                $"lifted the defender until {AdmissionRules.Instant(glass.EndsAt)} ({request.Minutes} min): {glass.Reason}");
        }, ct);
        Forget();
        return new BreakGlassView(cluster, glass.Reason, glass.StartedBy, glass.StartedAt, glass.EndsAt);
    }

    /// <summary>Ends the cluster's break-glass before its time: the defender holds its requests again at once.</summary>
    public async Task EndAsync(string cluster, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            var now = time.GetUtcNow();
            var glass = await ActiveOfAsync(db, await LockClusterAsync(db, cluster, ct), now, ct)
                ?? throw new ConflictException($"The defender is not lifted for cluster '{cluster}'.");
            (glass.EndedAt, glass.EndedBy) = (now, actor.Name);
            await audit.RecordAsync(AuditActions.DefenderBreakGlassEnded, Target(cluster),
                $"ended early; it was lifted by {glass.StartedBy} until {AdmissionRules.Instant(glass.EndsAt)} ({glass.Reason})");
        }, ct);
        Forget();
    }

    /// <summary>Break-glass rows that have not ended at <paramref name="now"/>, with their cluster's name.</summary>
    internal static async Task<IReadOnlyList<BreakGlassView>> ActiveAsync(PortalDbContext db, DateTimeOffset now, CancellationToken ct) =>
        (await db.DefenderBreakGlasses.AsNoTracking().Where(b => b.EndedAt == null && b.EndsAt > now)
            .Join(db.Clusters, b => b.ClusterId, c => c.Id, (b, c) => new { Cluster = c.Name, b.Reason, b.StartedBy, b.StartedAt, b.EndsAt })
            .OrderBy(b => b.EndsAt).ToListAsync(ct))
        .Select(b => new BreakGlassView(b.Cluster, b.Reason, b.StartedBy, b.StartedAt, b.EndsAt)).ToList();

    private static Task<DefenderBreakGlass?> ActiveOfAsync(PortalDbContext db, Guid clusterId, DateTimeOffset now, CancellationToken ct) =>
        db.DefenderBreakGlasses.SingleOrDefaultAsync(b => b.ClusterId == clusterId && b.EndedAt == null && b.EndsAt > now, ct);

    /// <summary>The cluster's id, its row locked until the transaction ends: two Admins starting or ending at once take turns.</summary>
    private static async Task<Guid> LockClusterAsync(PortalDbContext db, string cluster, CancellationToken ct)
    {
        var id = await db.Clusters.Where(c => c.Name == cluster).Select(c => (Guid?)c.Id).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No cluster named '{cluster}'.");
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM clusters WHERE \"Id\" = {id} FOR UPDATE", ct);
        return id;
    }

    private void Forget()
    {
        _banner = null;
        store.Invalidate();
    }

    private static string Target(string cluster) => $"cluster/{cluster}";
}
