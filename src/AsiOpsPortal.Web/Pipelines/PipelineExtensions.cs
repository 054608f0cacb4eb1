using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Pipelines;

public static class PipelineExtensions
{
    public static void AddPipelines(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PipelineService>();
        builder.Services.AddSingleton<PipelineDemoSeeder>();
    }

    /// <summary>
    /// Demo mode: the demo pipelines over the demo fleet. Runs after <c>SeedDemoAsync</c>, which registers that fleet, and
    /// <c>SeedDemoSchedulerAsync</c>, whose policy a demo pipeline ends with.
    /// </summary>
    public static async Task SeedDemoPipelinesAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled) return;
        await app.Services.GetRequiredService<PipelineDemoSeeder>().SeedAsync();
    }
}
