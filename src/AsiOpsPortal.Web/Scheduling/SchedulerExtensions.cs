using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Scheduling;

public static class SchedulerExtensions
{
    public static void AddScheduler(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SchedulerService>();
        builder.Services.AddSingleton<SchedulerDemoSeeder>();
    }

    /// <summary>Demo mode: the "balanced" scheduler policy. Needs no fleet: a policy selects, it never names clusters.</summary>
    public static async Task SeedDemoSchedulerAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled) return;
        await app.Services.GetRequiredService<SchedulerDemoSeeder>().SeedAsync();
    }
}
