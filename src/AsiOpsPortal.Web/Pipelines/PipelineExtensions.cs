namespace AsiOpsPortal.Web.Pipelines;

public static class PipelineExtensions
{
    public static void AddPipelines(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PipelineService>();
    }
}
