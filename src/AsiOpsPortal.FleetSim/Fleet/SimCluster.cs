using System.Globalization;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>How a cluster is generated: its public description plus what the seeder needs.</summary>
internal sealed record ClusterPlan(SimClusterInfo Info, bool Full, DateTimeOffset CreatedAt, IReadOnlySet<int> BakedNotReady);

/// <summary>
/// One simulated cluster. Its API state is created on first use, so ten thousand idle light clusters cost a few
/// hundred bytes each and no CPU.
/// </summary>
internal sealed class SimCluster
{
    private readonly Lazy<ClusterState> state;
    private readonly string nodePrefix;
    private readonly string nodeFormat;
    private volatile SimFault fault = SimFault.None;

    public SimCluster(ClusterPlan plan, FleetContext fleet)
    {
        Plan = plan;
        Fleet = fleet;
        Token = "fsim-" + Json.Hash(fleet.Options.Seed.ToString(CultureInfo.InvariantCulture), plan.Info.Name, "token").ToString("x16");
        nodePrefix = plan.Info.Name + "-node-";
        nodeFormat = "D" + Math.Max(3, plan.Info.NodeCount.ToString(CultureInfo.InvariantCulture).Length);
        state = new Lazy<ClusterState>(() => new ClusterState(this));
    }

    public ClusterPlan Plan { get; }
    public SimClusterInfo Info => Plan.Info;
    public FleetContext Fleet { get; }
    public string Token { get; }
    public ClusterState State => state.Value;

    public SimFault Fault => fault;

    /// <summary>
    /// What kube-apiserver's admission configuration (its kubeConfigFile for webhooks) holds: the bearer token it presents to
    /// webhooks, keyed as that file's users are — "host:port", "host" (port 443 only) or "*.domain". Empty: no credentials.
    /// </summary>
    public IReadOnlyDictionary<string, string> WebhookTokens
    {
        get => Volatile.Read(ref webhookTokens);
        set => Volatile.Write(ref webhookTokens, value);
    }

    private IReadOnlyDictionary<string, string> webhookTokens = new Dictionary<string, string>();

    public void SetFault(SimFault value)
    {
        var previous = fault;
        fault = value;
        var nodesChanged = previous.NotReadyNodes != value.NotReadyNodes || previous.ExpiredCertificates != value.ExpiredCertificates;
        if (nodesChanged && state.IsValueCreated) state.Value.NodeFaultsChanged();
    }

    /// <summary>Zero-padded so that name order is index order, which keeps paging over virtual nodes simple.</summary>
    public string NodeName(int index) => nodePrefix + index.ToString(nodeFormat, CultureInfo.InvariantCulture);

    public int? NodeIndex(string name) =>
        name.StartsWith(nodePrefix, StringComparison.Ordinal)
        && int.TryParse(name.AsSpan(nodePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var i)
        && i < Info.NodeCount && NodeName(i) == name
            ? i : null;
}
