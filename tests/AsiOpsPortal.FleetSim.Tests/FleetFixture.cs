using k8s;

namespace AsiOpsPortal.FleetSim.Tests;

/// <summary>One demo fleet per test class; tests that change state get a fresh cluster of their own.</summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public static readonly TimeSpan Convergence = TimeSpan.FromMilliseconds(300);

    private int counter;

    public FleetSimulator Simulator { get; private set; } = null!;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "fleetsim-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync() =>
        Simulator = await FleetSimulator.StartAsync(new FleetSimOptions { ConvergenceDelay = Convergence, KubeconfigDirectory = Directory });

    public async Task DisposeAsync()
    {
        await Simulator.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>A new full cluster (demo add-ons and the 3-replica web app) nobody else touches.</summary>
    public string NewCluster(int nodes = 4)
    {
        var name = $"iso-{Interlocked.Increment(ref counter):D2}-{Guid.NewGuid().ToString("N")[..6]}";
        Simulator.AddCluster(name, "test", "cn-hangzhou", "cn-hangzhou-a", 3, nodes);
        return name;
    }

    public string KubeconfigPath(string cluster) => Path.Combine(Directory, cluster + ".yaml");

    public Kubernetes Client(string cluster) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath(cluster)));
}
