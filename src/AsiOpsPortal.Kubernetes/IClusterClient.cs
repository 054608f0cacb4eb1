using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Kubernetes;

/// <summary>
/// The portal's one seam to Kubernetes clusters. Everything crosses it as our own records; failures surface as
/// <see cref="ClusterCallException"/> with a message a person can act on.
/// </summary>
public interface IClusterClient
{
    /// <summary>Asks the API server for its version, measuring the round trip.</summary>
    Task<ClusterProbe> ProbeAsync(ClusterTarget target, CancellationToken ct);

    /// <summary>One page of nodes; pass the returned token back for the next page, null when done.</summary>
    Task<NodePage> ListNodesAsync(ClusterTarget target, int limit, string? continueToken, CancellationToken ct);

    /// <summary>
    /// Server-side apply of each object in the given order (field manager given, force = true), adding the given
    /// annotations to each object's metadata. Stops at the first failure with a <see cref="ClusterCallException"/>
    /// whose message names the object and says what the API server said (409 conflict, 422 invalid, unknown kind, ...).
    /// </summary>
    Task ApplyAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, string fieldManager, IReadOnlyDictionary<string, string> annotations, CancellationToken ct);

    /// <summary>The object as the cluster has it now, or null when it does not exist (or its kind is not served).</summary>
    Task<LiveObject?> GetObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct);

    /// <summary>
    /// Watches one object until <paramref name="until"/> holds for it (it is given null while the object does not exist)
    /// or <paramref name="maxWait"/> passes, and returns what was last seen. One request instead of a poll loop: the
    /// caller learns of a change as soon as the API server publishes it.
    /// </summary>
    Task<LiveObject?> WatchObjectAsync(ClusterTarget target, ObjectRef obj, Func<LiveObject?, bool> until, TimeSpan maxWait, CancellationToken ct);

    /// <summary>Deletes the object (its dependents are collected in the background); an object that is already gone is fine.</summary>
    Task DeleteObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct);

    /// <summary>Drops what is cached for a cluster (its connection, its rate limiter, what it serves): after removal or a failed registration.</summary>
    void Forget(Guid clusterId);
}

/// <summary>Where and how to reach one cluster. The kubeconfig is plaintext here: decrypt just before use, never log.</summary>
public sealed record ClusterTarget(Guid ClusterId, string Name, string Kubeconfig, string Context)
{
    public override string ToString() => $"ClusterTarget {{ {Name} }}";
}

public sealed record ClusterProbe(string KubernetesVersion, TimeSpan Latency);

public sealed record NodePage(IReadOnlyList<ClusterNode> Nodes, string? ContinueToken);

public sealed record ClusterNode(
    string Name,
    string Pool,
    bool Ready,
    bool Schedulable,
    string KubeletVersion,
    IReadOnlyList<NodeCondition> Conditions,
    IReadOnlyDictionary<string, string> Labels);
