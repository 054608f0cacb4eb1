using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Infrastructure;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>A portal and demo FleetSim tuned for rollouts: quick convergence polls and a quick watchdog.</summary>
public class RolloutWorld : PortalWithFleet
{
    private static readonly Dictionary<string, string> Tuned = new()
    {
        ["Portal:RolloutPollInterval"] = "00:00:00.100",
        ["Portal:RolloutWatchdogInterval"] = "00:00:00.500",
        // Freezes in these tests last seconds, not days: park rollouts held longer than this, as a week-long freeze would be.
        ["Portal:RolloutParkAfter"] = "00:00:02",
    };

    public RolloutWorld() : this("integrationrolloutworld", new Dictionary<string, string>()) { }

    protected RolloutWorld(string purpose, IReadOnlyDictionary<string, string> settings, TimeSpan? convergenceDelay = null)
        : base(purpose, Tuned.Concat(settings).ToDictionary(), convergenceDelay) { }

    /// <summary>
    /// These tests drive rollout mechanics with one- and two-wave pipelines that the risk rules would refuse; the rules have
    /// their own tests (Risk/RiskRuleTests), so here they are all switched off.
    /// </summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = Portal.ApiClient("admin");
        using var rules = await admin.GetAsync("/api/v1/risk-rules");
        foreach (var rule in (await rules.ExpectJsonAsync(HttpStatusCode.OK, "listing risk rules"))["items"]!.AsArray())
        {
            using var off = await admin.PutAsJsonAsync($"/api/v1/risk-rules/{rule!["name"]!.GetValue<string>()}", new { enabled = false });
            await off.ExpectJsonAsync(HttpStatusCode.OK, "switching a risk rule off");
        }
    }

    /// <summary>
    /// Waits until Hangfire holds no rollout job of <paramref name="change"/>, scheduled, queued or running: its last runner
    /// has looked at the change and let go, so the change stays as it is now until someone acts on it.
    /// </summary>
    public Task RolloutLetGoAsync(long change)
    {
        var monitoring = Portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        bool Of(Job? job) => job?.Type == typeof(RolloutJob) && job.Args[0] is long id && id == change;
        // Read in the order a job moves through these lists, so a job that moves on while they are read is seen in a later one.
        return Eventually.UntilAsync(() => Task.FromResult(
                monitoring.ScheduledJobs(0, 1000).Count(j => Of(j.Value.Job))
                + monitoring.EnqueuedJobs(HangfireQueues.Rollouts, 0, 1000).Count(j => Of(j.Value.Job))
                + monitoring.FetchedJobs(HangfireQueues.Rollouts, 0, 1000).Count(j => Of(j.Value.Job))
                + monitoring.ProcessingJobs(0, 1000).Count(j => Of(j.Value.Job))),
            jobs => jobs == 0, $"the rollout of change {change} to let its worker go", TimeSpan.FromSeconds(60));
    }
}

/// <summary>
/// Workloads that take seconds to converge, as on a real cluster, and rollouts that let their worker go as soon as only
/// watching is left: what a rollout does between applying and seeing its clusters converge.
/// </summary>
public sealed class HandOverWorld() : RolloutWorld("integrationhandoverworld",
    new Dictionary<string, string> { ["Portal:RolloutWorkHold"] = "00:00:00" }, TimeSpan.FromSeconds(2));
