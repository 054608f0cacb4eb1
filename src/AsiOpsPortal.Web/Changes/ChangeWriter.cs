using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Writes a change as one audited unit of work, the same way for every use case (proposals, reviews, operations; node
/// operations and shell commands later bring their own use-case class and reuse this): settles a race with another decision
/// on the change row, starts (or wakes) its rollout when asked, tells live pages, and answers with the change as it is now.
/// </summary>
public sealed class ChangeWriter(
    IDbContextFactory<PortalDbContext> dbFactory,
    AuditedWrite write,
    RolloutQueue rollouts,
    LiveUpdates liveUpdates,
    ChangeQueries queries)
{
    /// <summary>Stores a new change; <paramref name="record"/> audits it once it has its id.</summary>
    public async Task<ChangeDetail> AddAsync(PortalDbContext db, Change change, Actor actor, Func<AuditTrail, Task> record, CancellationToken ct)
    {
        await write.RunAsync(db, actor, async audit =>
        {
            db.Changes.Add(change);
            // The audit names the change by its id, which the first save gives it.
            await db.SaveChangesAsync(ct);
            await record(audit);
        }, ct);
        await liveUpdates.PublishChangeAsync(change.Id, ct);
        return (await queries.GetAsync(change.Id, ct))!;
    }

    /// <summary>
    /// Loads change <paramref name="id"/> (with its approvals) and lets <paramref name="decide"/> check and change it, its
    /// rollout rows, and record what it did, in one transaction; <paramref name="decide"/> answers whether the rollout should
    /// run now. A refusal it throws leaves nothing behind. A decision that loses a race on the change row is refused, unless
    /// <paramref name="decideAgainOnRace"/>: then it is decided again on the change as it is now (a few times at most).
    /// </summary>
    public async Task<ChangeDetail> DecideAsync(long id, Actor actor, Func<PortalDbContext, AuditTrail, Change, Task<bool>> decide,
        CancellationToken ct, bool decideAgainOnRace = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var change = await db.Changes.Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct)
                ?? throw new NotFoundException($"No change #{id}.");
            var run = false;
            try
            {
                await write.RunAsync(db, actor, async audit => run = await decide(db, audit, change), ct, e => IsRace(e) ? new RaceLost() : null);
            }
            catch (RaceLost) when (decideAgainOnRace && attempt < MaxDecisions)
            {
                continue;
            }
            catch (RaceLost)
            {
                throw new ConflictException("Someone else acted on this change at the same moment; reload it and try again.");
            }
            if (run) rollouts.Start(id);
            await liveUpdates.PublishChangeAsync(id, ct);
            return (await queries.GetAsync(id, ct))!;
        }
    }

    private const int MaxDecisions = 5;

    /// <summary>Concurrent decisions on one change are settled by its concurrency token (and unique rows): the later one loses.</summary>
    private static bool IsRace(DbUpdateException e) => e is DbUpdateConcurrencyException || AuditedWrite.IsUniqueViolation(e);

    private sealed class RaceLost : Exception;
}
