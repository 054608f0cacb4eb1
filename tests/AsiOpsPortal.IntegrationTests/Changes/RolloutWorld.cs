using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>A portal and demo FleetSim tuned for rollouts: quick convergence polls and a quick watchdog.</summary>
public sealed class RolloutWorld() : PortalWithFleet("integrationrolloutworld", new Dictionary<string, string>
{
    ["Portal:RolloutPollInterval"] = "00:00:00.100",
    ["Portal:RolloutWatchdogInterval"] = "00:00:00.500",
});
