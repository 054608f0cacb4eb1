using System.Collections.Concurrent;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Kubernetes;

namespace AsiOpsPortal.Tests.Shared;

/// <summary>
/// An in-memory <see cref="IClusterClient"/> driven by data: each cluster name maps to its version and nodes, or to a
/// failure. For unit and component tests only; everything above them talks HTTP to FleetSim.
/// </summary>
public sealed class FakeClusterClient : IClusterClient
{
    public sealed record FakeCluster(string Version, IReadOnlyList<ClusterNode> Nodes, ClusterCallException? Failure = null);

    private readonly ConcurrentDictionary<string, FakeCluster> _clusters = new();

    public FakeClusterClient With(string name, int nodes, int notReady = 0, string version = "v1.31.4")
    {
        _clusters[name] = new FakeCluster(version, Enumerable.Range(0, nodes).Select(i => Node($"{name}-node-{i:D3}", ready: i >= notReady)).ToList());
        return this;
    }

    public FakeClusterClient Failing(string name, ClusterFailure failure, string message)
    {
        _clusters[name] = new FakeCluster("", [], new ClusterCallException(failure, message));
        return this;
    }

    public static ClusterNode Node(string name, bool ready = true, string pool = "general") => new(
        name, pool, ready, Schedulable: true, "v1.31.4",
        [new NodeCondition("Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletNotReady", null)],
        new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, ["asiops.io/pool"] = pool });

    public Task<ClusterProbe> ProbeAsync(ClusterTarget target, CancellationToken ct) =>
        Task.FromResult(new ClusterProbe(Get(target).Version, TimeSpan.FromMilliseconds(3)));

    public Task<NodePage> ListNodesAsync(ClusterTarget target, int limit, string? continueToken, CancellationToken ct)
    {
        var nodes = Get(target).Nodes;
        var start = continueToken is null ? 0 : int.Parse(continueToken);
        var page = nodes.Skip(start).Take(limit).ToList();
        var next = start + page.Count < nodes.Count ? (start + page.Count).ToString() : null;
        return Task.FromResult(new NodePage(page, next));
    }

    public void Forget(Guid clusterId) { }

    private FakeCluster Get(ClusterTarget target)
    {
        if (!_clusters.TryGetValue(target.Name, out var cluster))
            throw new ClusterCallException(ClusterFailure.Unreachable, $"{target.Name}: cannot connect (fake has no such cluster).");
        if (cluster.Failure is not null) throw cluster.Failure;
        return cluster;
    }
}
