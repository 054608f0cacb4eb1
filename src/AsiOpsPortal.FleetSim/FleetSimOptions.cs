namespace AsiOpsPortal.FleetSim;

/// <summary>How a <see cref="FleetSimulator"/> starts: which fleet, which port, how fast workloads converge.</summary>
public sealed record FleetSimOptions
{
    /// <summary>Loopback port to bind; 0 picks a free one.</summary>
    public int Port { get; init; } = 0;

    /// <summary>Seed for everything generated (cluster layout, node sizes, tokens), so runs are reproducible.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>"demo" (24+ full clusters), "light" (many compact clusters) or "empty".</summary>
    public string Fleet { get; init; } = "demo";

    /// <summary>Light mode: number of clusters.</summary>
    public int LightClusters { get; init; } = 10_000;

    /// <summary>Light mode: nodes per cluster.</summary>
    public int LightNodesPerCluster { get; init; } = 100;

    /// <summary>How long a workload takes to roll out after its spec changes.</summary>
    public TimeSpan ConvergenceDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a new CustomResourceDefinition takes to be served, as the API server needs a moment to establish one: until
    /// then discovery does not list its kind and requests for its objects answer 404.
    /// </summary>
    public TimeSpan CrdEstablishDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>If set, NAME.yaml per cluster and fleet.json are written there.</summary>
    public string? KubeconfigDirectory { get; init; }
}
