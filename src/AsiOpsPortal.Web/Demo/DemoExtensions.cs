using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Demo;

public static class DemoExtensions
{
    public static void AddDemo(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddSingleton<DemoCatalog>();
        builder.Services.AddSingleton<SchedulerDemoSeeder>();
        builder.Services.AddSingleton<PipelineDemoSeeder>();
        builder.Services.AddSingleton<DefenderDemoSeeder>();
    }

    /// <summary>Demo mode only: seeds the demo data once the database is ready.</summary>
    public static async Task SeedDemoAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled) return;
        await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
    }
}
