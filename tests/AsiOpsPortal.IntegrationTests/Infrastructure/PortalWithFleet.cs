extern alias fleetsim;

using fleetsim::AsiOpsPortal.FleetSim;
using AsiOpsPortal.Tests.Shared.Hosting;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>
/// One portal over a fresh database and one demo FleetSim, shared by the tests of a class. Tests pick different
/// FleetSim clusters so they do not see each other's registrations or faults.
/// </summary>
public class PortalWithFleet : IAsyncLifetime
{
    private readonly string _purpose;
    private readonly IReadOnlyDictionary<string, string>? _settings;
    private readonly TimeSpan _convergenceDelay;

    // At least 15 letters: TestPostgres cuts "t_{purpose}_{guid}" to 50 characters and throws on shorter names.
    public PortalWithFleet() : this("integrationportalwithfleet") { }

    /// <param name="convergenceDelay">How long FleetSim's workloads take to converge after a change; 200 ms unless given.</param>
    protected PortalWithFleet(string purpose, IReadOnlyDictionary<string, string>? settings = null, TimeSpan? convergenceDelay = null)
    {
        _purpose = purpose;
        _settings = settings;
        _convergenceDelay = convergenceDelay ?? TimeSpan.FromMilliseconds(200);
    }

    public FleetSimulator Fleet { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", ConvergenceDelay = _convergenceDelay });
        Portal = await PortalFactory.CreateAsync(_purpose, _settings);
    }

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
        if (Fleet is not null) await Fleet.DisposeAsync();
    }

    private readonly SemaphoreSlim _registering = new(1, 1);
    private readonly HashSet<string> _registered = [];

    /// <summary>Registers the named demo clusters once per fixture, whichever test asks first.</summary>
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

    /// <summary>A demo cluster by name; fails clearly if FleetSim's demo fleet no longer has it.</summary>
    public SimClusterInfo Cluster(string name) =>
        Fleet.Clusters.SingleOrDefault(c => c.Name == name)
        ?? throw new InvalidOperationException($"FleetSim's demo fleet has no cluster '{name}'; it has {string.Join(", ", Fleet.Clusters.Select(c => c.Name))}.");
}
