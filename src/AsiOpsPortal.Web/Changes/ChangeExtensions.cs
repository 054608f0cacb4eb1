using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Changes;

public static class ChangeExtensions
{
    public static void AddChanges(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ChangeQueries>();
        builder.Services.AddSingleton<ChangeWriter>();
        builder.Services.AddSingleton<ChangeProposals>();
        builder.Services.AddSingleton<ChangeReviews>();
        builder.Services.AddSingleton<ChangeOperations>();
        builder.Services.AddSingleton<RolloutQueue>();
        builder.Services.AddSingleton<QueuedRollouts>();
        builder.Services.AddSingleton<RolloutRunner>();
        builder.Services.AddSingleton<RolloutWakeups>();
        builder.Services.AddTransient<RolloutJob>();
        builder.Services.AddSingleton<RolloutWatchdog>();
        if (builder.ValidatedPortalOptions().RunWorkers) builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutWatchdog>());
    }
}
