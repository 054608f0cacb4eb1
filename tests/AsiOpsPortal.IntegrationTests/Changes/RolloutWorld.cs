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
