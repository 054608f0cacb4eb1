using AsiOpsPortal.Core.Clusters;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>What a person (or script) provides to register a cluster.</summary>
public sealed record ClusterRegistration(
    string Name,
    string Kubeconfig,
    string? Context,
    string Environment,
    string Region,
    string? Zone,
    int Tier,
    Dictionary<string, string>? Labels);

/// <summary>The metadata an SRE may edit after registration. Null leaves a field as it is.</summary>
public sealed record ClusterMetadataUpdate(string? Environment, string? Region, string? Zone, int? Tier, Dictionary<string, string>? Labels);

public enum ClusterSort { Health, Name, Environment, Region, Tier, Nodes, LastSync }

public sealed record ClusterQuery(
    string? Environment = null,
    string? Region = null,
    int? Tier = null,
    ClusterStatus? Status = null,
    string? Search = null,
    ClusterSort Sort = ClusterSort.Health,
    bool Descending = false,
    int Page = 0,
    int PageSize = 25);

public sealed record ClusterSummary(
    string Name,
    string Environment,
    string Region,
    string Zone,
    int Tier,
    ClusterStatus Status,
    string Health,
    bool Stale,
    int NodesTotal,
    int NodesReady,
    string? KubernetesVersion,
    int? ApiLatencyMs,
    DateTimeOffset? LastSyncAt,
    string? LastError,
    IReadOnlyDictionary<string, string> Labels)
{
    public bool InTrouble => Status is ClusterStatus.Unreachable or ClusterStatus.Degraded || Stale;
}

public sealed record ClusterPage(IReadOnlyList<ClusterSummary> Items, int Total);

public sealed record ClusterDetails(ClusterSummary Summary, string ApiEndpoint, string KubeconfigContext, DateTimeOffset CreatedAt);

public sealed record NodeQuery(string? Search = null, bool? Ready = null, int Page = 0, int PageSize = 50);

public sealed record NodeRow(string Name, string Pool, bool Ready, bool Schedulable, string KubeletVersion, IReadOnlyList<NodeCondition> Conditions, IReadOnlyDictionary<string, string> Labels);

public sealed record NodePageView(IReadOnlyList<NodeRow> Items, int Total);

/// <summary>One slice of the fleet (an environment, a region or a tier) and how it is doing.</summary>
public sealed record FleetSlice(string Key, int Clusters, int InTrouble, int NodesTotal, int NodesReady)
{
    /// <summary>Null while no node is known (never synced): an empty slice is not "100% ready".</summary>
    public double? ReadyPercent => NodesTotal == 0 ? null : 100.0 * NodesReady / NodesTotal;
}

public sealed record FleetOverview(
    int Clusters,
    int Unreachable,
    int Degraded,
    int Stale,
    int NodesTotal,
    int NodesReady,
    IReadOnlyList<FleetSlice> ByEnvironment,
    IReadOnlyList<FleetSlice> ByRegion,
    IReadOnlyList<FleetSlice> ByTier,
    IReadOnlyList<ClusterSummary> Trouble);
