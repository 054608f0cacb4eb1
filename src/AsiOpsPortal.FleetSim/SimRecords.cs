namespace AsiOpsPortal.FleetSim;

/// <summary>A simulated cluster as the portal would register it.</summary>
public sealed record SimClusterInfo(
    string Name, string Environment, string Region, string Zone, int Tier, int NodeCount, string KubernetesVersion);

/// <summary>Faults injected into one cluster's API server and nodes.</summary>
public sealed record SimFault
{
    /// <summary>No fault: a healthy cluster.</summary>
    public static SimFault None { get; } = new();

    /// <summary>Added to every API request.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Fraction (0..1) of API requests answered 500 with a Status object.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Abort every connection, as a cluster behind a dead load balancer would.</summary>
    public bool Unreachable { get; init; }

    /// <summary>The first N nodes report Ready=False.</summary>
    public int NotReadyNodes { get; init; }

    /// <summary>Every node reports Ready=Unknown, as when kubelet certificates expire fleet-wide.</summary>
    public bool ExpiredCertificates { get; init; }
}

/// <summary>One API request a cluster received; <paramref name="Path"/> is relative to the cluster's server URL, with the query.</summary>
public sealed record SimRequest(DateTimeOffset At, string Cluster, string Method, string Path, string? ContentType, int Status);
