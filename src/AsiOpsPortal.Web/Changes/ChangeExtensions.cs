using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Changes;

public static class ChangeExtensions
{
    public static void AddChanges(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ChangeService>();
        builder.Services.AddSingleton<RolloutScheduler>();
        builder.Services.AddSingleton<RolloutRunner>();
        builder.Services.AddSingleton<RolloutWakeups>();
        builder.Services.AddTransient<RolloutJob>();
        builder.Services.AddSingleton<RolloutWatchdog>();
        if (builder.ValidatedPortalOptions().RunWorkers) builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutWatchdog>());
    }
}
