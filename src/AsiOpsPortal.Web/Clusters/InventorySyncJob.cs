using AsiOpsPortal.Web.Infrastructure;
using Hangfire;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>
/// Hangfire entry points; safe to run twice, since a sync only records what it reads. They run on the "default" queue,
/// whose workers rollouts never take.
/// </summary>
public sealed class InventorySyncJob(InventorySync sync)
{
    public const string RecurringId = "inventory-sync";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 0)]
    [Queue(HangfireQueues.Default)]
    public Task SyncAllAsync(CancellationToken ct) => sync.SyncAllAsync(ct);

    [AutomaticRetry(Attempts = 0)]
    [Queue(HangfireQueues.Default)]
    public Task SyncClusterAsync(Guid clusterId, CancellationToken ct) => sync.SyncClusterAsync(clusterId, ct);
}
