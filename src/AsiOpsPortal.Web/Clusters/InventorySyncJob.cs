using Hangfire;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>Hangfire entry points; safe to run twice, since a sync only records what it reads.</summary>
public sealed class InventorySyncJob(InventorySync sync)
{
    public const string RecurringId = "inventory-sync";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 0)]
    public Task SyncAllAsync(CancellationToken ct) => sync.SyncAllAsync(ct);

    [AutomaticRetry(Attempts = 0)]
    public Task SyncClusterAsync(Guid clusterId, CancellationToken ct) => sync.SyncClusterAsync(clusterId, ct);
}
