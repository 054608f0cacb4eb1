using AsiOpsPortal.Web.Clusters;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>The Hangfire queues; a job names its queue with [Queue(...)], and jobs that name none run on "default".</summary>
public static class HangfireQueues
{
    public const string Rollouts = "rollouts";
    public const string Default = "default";
}

public static class HangfireExtensions
{
    public static void AddPortalHangfire(this WebApplicationBuilder builder)
    {
        var portal = builder.ValidatedPortalOptions();
        var connectionString = HangfireConnectionString(builder.Configuration.PortalConnectionString(), portal.Workers);
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
        if (!portal.RunWorkers) return;
        // One server per queue, each with its own workers: 200 rollouts cannot delay a "Sync now", nor a burst of syncs a wave.
        builder.Services.AddHangfireServer(options => Serve(options, HangfireQueues.Rollouts, portal.Workers.Rollouts));
        builder.Services.AddHangfireServer(options => Serve(options, HangfireQueues.Default, portal.Workers.Default));
    }

    /// <summary>
    /// Hangfire's own connection pool, apart from the portal's: an idle worker keeps a connection while it waits for a job,
    /// so with both queues' workers in the portal's pool, rollouts (which hold a lock connection each) would run it dry.
    /// </summary>
    private static string HangfireConnectionString(string portal, WorkerOptions workers)
    {
        var hangfire = new NpgsqlConnectionStringBuilder(portal) { ApplicationName = "asiops-portal-hangfire" };
        hangfire.MaxPoolSize = Math.Max(hangfire.MaxPoolSize, workers.Rollouts + workers.Default + 20);
        return hangfire.ConnectionString;
    }

    /// <summary>How often scheduled jobs (a parked rollout's wake-up) are moved to their queue; a parked rollout asks to be woken this much early.</summary>
    public static readonly TimeSpan SchedulePollingInterval = TimeSpan.FromSeconds(1);

    private static void Serve(BackgroundJobServerOptions options, string queue, int workers)
    {
        options.ServerName = $"{Environment.MachineName}:{queue}";
        options.Queues = [queue];
        options.WorkerCount = workers;
        options.SchedulePollingInterval = SchedulePollingInterval;
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
