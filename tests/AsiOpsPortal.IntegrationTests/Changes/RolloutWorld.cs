using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>A portal and demo FleetSim tuned for rollouts: quick convergence polls and a quick watchdog.</summary>
public sealed class RolloutWorld() : PortalWithFleet("integrationrolloutworld", new Dictionary<string, string>
{
    ["Portal:RolloutPollInterval"] = "00:00:00.100",
    ["Portal:RolloutWatchdogInterval"] = "00:00:00.500",
})
{
    private readonly SemaphoreSlim _registering = new(1, 1);

    /// <summary>
    /// These tests drive rollout mechanics with one- and two-wave pipelines that the risk rules would refuse; the rules have
    /// their own tests (Risk/RiskRuleTests), so here they are all switched off.
    /// </summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = Portal.ApiClient("admin");
        using var rules = await admin.GetAsync("/api/v1/risk-rules");
        foreach (var rule in (await rules.ExpectJsonAsync(System.Net.HttpStatusCode.OK, "listing risk rules"))["items"]!.AsArray())
        {
            using var off = await admin.PutAsJsonAsync($"/api/v1/risk-rules/{rule!["name"]!.GetValue<string>()}", new { enabled = false });
            await off.ExpectJsonAsync(System.Net.HttpStatusCode.OK, "switching a risk rule off");
        }
    }
    private readonly HashSet<string> _registered = [];

    /// <summary>Registers the named demo clusters once per world, whichever test asks first.</summary>
    public async Task RegisterAsync(params string[] names)
    {
        await _registering.WaitAsync();
        try
        {
            var bob = Portal.ApiClient("bob");
            foreach (var name in names.Where(_registered.Add))
                await bob.RegisterAsync(Fleet, Cluster(name));
        }
        finally
        {
            _registering.Release();
        }
    }
}
