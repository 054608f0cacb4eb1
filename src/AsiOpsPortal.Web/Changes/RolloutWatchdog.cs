using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Restarts running rollouts that no live worker drives: a worker holds the change's advisory lock for as long as it
/// runs it, and PostgreSQL drops the lock with the worker's connection, so "running but unlocked" means nobody is on it.
/// A parked rollout (a soak, a freeze, another change's turn, a watch for convergence) is left to whatever wakes it,
/// unless that is late.
/// </summary>
public sealed class RolloutWatchdog(
    IDbContextFactory<PortalDbContext> dbFactory,
    RolloutQueue rolloutQueue,
    QueuedRollouts queued,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<RolloutWatchdog> log) : BackgroundService
{
    /// <summary>A job just enqueued needs a moment to be picked up and take its lock; don't pile up duplicates meanwhile.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);
    private readonly Dictionary<long, DateTimeOffset> _kicked = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RolloutWatchdogInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }, TaskScheduler.Default))
        {
            try
            {
                await KickOrphansAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "The rollout watchdog could not check running rollouts; trying again next tick");
            }
        }
    }

    public async Task KickOrphansAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var late = now - Grace;
        // A change approved or resumed just now, or woken just now (parked until now), has a job on its way: it gets the
        // same grace as one the watchdog itself kicked, or a backlog on the rollouts queue would be piled onto.
        var running = await db.Changes.Where(c => c.Status == ChangeStatus.Running && (c.ParkedUntil == null || c.ParkedUntil < late)
                && c.UpdatedAt < late)
            .Select(c => c.Id).ToListAsync(ct);
        if (running.Count == 0) return;
        var driven = await db.Database.SqlQuery<long>(
            $"SELECT objid::bigint AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND classid = {RolloutRunner.LockSpace} AND objsubid = 2 AND granted")
            .ToListAsync(ct);
        // A job waiting in the queue drives it once a worker is free: another would only lengthen the queue it waits in.
        foreach (var id in running.Except(driven).Except(queued.Now()))
        {
            if (_kicked.TryGetValue(id, out var at) && now - at < Grace) continue;
            _kicked[id] = now;
            log.LogInformation("Rollout of change {ChangeId} is running but no worker drives it; restarting it", id);
            rolloutQueue.Start(id);
        }
        foreach (var id in _kicked.Keys.Except(running).ToList()) _kicked.Remove(id);
    }
}
