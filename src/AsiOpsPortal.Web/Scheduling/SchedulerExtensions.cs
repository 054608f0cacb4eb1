namespace AsiOpsPortal.Web.Scheduling;

public static class SchedulerExtensions
{
    public static void AddScheduler(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SchedulerService>();
    }
}
