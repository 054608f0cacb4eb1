using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;

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
}

/// <summary>
/// Workloads that take seconds to converge, as on a real cluster, and rollouts that let their worker go as soon as only
/// watching is left: what a rollout does between applying and seeing its clusters converge.
/// </summary>
public sealed class HandOverWorld() : RolloutWorld("integrationhandoverworld",
    new Dictionary<string, string> { ["Portal:RolloutWorkHold"] = "00:00:00" }, TimeSpan.FromSeconds(2));
