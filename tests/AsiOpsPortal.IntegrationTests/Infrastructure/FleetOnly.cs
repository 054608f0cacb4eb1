extern alias fleetsim;

using fleetsim::AsiOpsPortal.FleetSim;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>A demo FleetSim without a portal, for tests of the Kubernetes seam alone.</summary>
public sealed class FleetOnly : IAsyncLifetime
{
    public FleetSimulator Fleet { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", ConvergenceDelay = TimeSpan.FromMilliseconds(200) });

    public async Task DisposeAsync()
    {
        if (Fleet is not null) await Fleet.DisposeAsync();
    }
}
