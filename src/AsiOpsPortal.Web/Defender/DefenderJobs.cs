using AsiOpsPortal.Web.Infrastructure;
using Hangfire;

namespace AsiOpsPortal.Web.Defender;

/// <summary>Hangfire entry point for the decisions' retention; deleting what has expired is safe to run twice.</summary>
public sealed class DefenderCleanupJob(DefenderService defender)
{
    public const string RecurringId = "defender-decision-cleanup";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 0)]
    [Queue(HangfireQueues.Default)]
    public Task DeleteExpiredDecisionsAsync(CancellationToken ct) => defender.DeleteExpiredDecisionsAsync(ct);
}
