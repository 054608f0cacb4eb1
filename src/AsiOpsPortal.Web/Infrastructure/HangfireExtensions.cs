using AsiOpsPortal.Web.Clusters;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Infrastructure;

public static class HangfireExtensions
{
    public static void AddPortalHangfire(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PortalConnectionString();
        var portal = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        builder.Services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(storage => storage.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = portal.QueuePollInterval,
                // Workers LISTEN for new jobs instead of waiting for the next poll: a rollout starts the moment it is approved.
                EnableLongPolling = true,
                InvisibilityTimeout = TimeSpan.FromMinutes(5),
                UseSlidingInvisibilityTimeout = true,
            }));
        if (portal.RunWorkers)
            builder.Services.AddHangfireServer(options => options.SchedulePollingInterval = TimeSpan.FromSeconds(1));
    }

    /// <summary>Every recurring job, registered in one place with a stable id.</summary>
    public static void RegisterRecurringJobs(this IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PortalOptions>>().Value;
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<InventorySyncJob>(InventorySyncJob.RecurringId, job => job.SyncAllAsync(CancellationToken.None), options.InventorySyncCron);
    }

    public static void MapPortalHangfireDashboard(this WebApplication app) =>
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AsyncAuthorization = [], DisplayStorageConnectionString = false })
            .RequireAuthorization(Policies.Admin);
}
