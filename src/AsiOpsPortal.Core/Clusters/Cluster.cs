namespace AsiOpsPortal.Core.Clusters;

/// <summary>A registered Kubernetes cluster and what the last inventory sync learned about it.</summary>
public class Cluster
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public required string ApiEndpoint { get; set; }
    public required string Environment { get; set; }
    public required string Region { get; set; }
    public string Zone { get; set; } = "";
    public int Tier { get; set; } = ClusterRules.LeastCriticalTier;
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Data Protection ciphertext of the kubeconfig; never rendered, never logged.</summary>
    public required string EncryptedKubeconfig { get; set; }
    public required string KubeconfigContext { get; set; }

    public string? KubernetesVersion { get; set; }
    public ClusterStatus Status { get; set; } = ClusterStatus.Unknown;
    public int NodesTotal { get; set; }
    public int NodesReady { get; set; }
    public int? ApiLatencyMs { get; set; }
    public DateTimeOffset? LastSyncAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Sort key for "trouble first": lower is worse. Maintained by <see cref="ClusterRules.HealthRank"/>.</summary>
    public int HealthRank { get; set; } = ClusterRules.HealthRank(ClusterStatus.Unknown, 0, 0);

    public List<Node> Nodes { get; set; } = [];
}

public enum ClusterStatus
{
    Unknown = 0,
    Healthy = 1,
    Degraded = 2,
    Unreachable = 3,
}
