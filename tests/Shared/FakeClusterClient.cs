using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;

namespace AsiOpsPortal.Tests.Shared;

/// <summary>
/// An in-memory <see cref="IClusterClient"/> driven by data: each cluster name maps to its version and nodes, or to a
/// failure, and keeps the objects applied to it. Applied Deployments and DaemonSets converge at once unless an image
/// tag ends in "-broken". For unit and component tests only; everything above them talks HTTP to FleetSim.
/// </summary>
public sealed class FakeClusterClient : IClusterClient
{
    public sealed record FakeCluster(string Version, IReadOnlyList<ClusterNode> Nodes, ClusterCallException? Failure = null);

    /// <summary>One object as one <see cref="ApplyAsync"/> call sent it, annotations included.</summary>
    public sealed record AppliedObject(string Cluster, ManifestObject Object, string FieldManager, IReadOnlyDictionary<string, string> Annotations);

    private sealed record StoredObject(ManifestObject Object, long Generation, IReadOnlyDictionary<string, string> Annotations);

    private readonly ConcurrentDictionary<string, FakeCluster> _clusters = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Kind, string? Namespace, string Name), StoredObject>> _objects = new();
    private readonly ConcurrentDictionary<(string Cluster, string Name), ClusterCallException> _applyFailures = new();
    private readonly ConcurrentQueue<AppliedObject> _applied = new();

    /// <summary>Every object applied, in order, across clusters.</summary>
    public IReadOnlyList<AppliedObject> Applied => _applied.ToList();

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

    /// <summary>Applying the object named <paramref name="objectName"/> to <paramref name="cluster"/> fails; objects before it are applied.</summary>
    public FakeClusterClient FailingApply(string cluster, string objectName, ClusterFailure failure, string message)
    {
        _applyFailures[(cluster, objectName)] = new ClusterCallException(failure, message);
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

    public Task ApplyAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, string fieldManager,
        IReadOnlyDictionary<string, string> annotations, CancellationToken ct)
    {
        Get(target);
        var store = ObjectsOf(target);
        foreach (var obj in objects)
        {
            if (_applyFailures.TryGetValue((target.Name, obj.Name), out var failure)) throw failure;
            _applied.Enqueue(new AppliedObject(target.Name, obj, fieldManager, annotations));
            store.AddOrUpdate(Key(obj.Ref),
                _ => new StoredObject(obj, 1, annotations),
                (_, old) => new StoredObject(obj, SameSpec(old.Object, obj) ? old.Generation : old.Generation + 1,
                    old.Annotations.Concat(annotations).GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last().Value)));
        }
        return Task.CompletedTask;
    }

    public Task<LiveObject?> GetObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct)
    {
        var cluster = Get(target);
        return Task.FromResult(ObjectsOf(target).TryGetValue(Key(obj), out var stored) ? Live(stored, cluster) : null);
    }

    /// <summary>No events to wait for in memory: answers with the object as it is now, as a watch's first event would.</summary>
    public Task<LiveObject?> WatchObjectAsync(ClusterTarget target, ObjectRef obj, Func<LiveObject?, bool> until, TimeSpan maxWait, CancellationToken ct) =>
        GetObjectAsync(target, obj, ct);

    public Task DeleteObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct)
    {
        Get(target);
        ObjectsOf(target).TryRemove(Key(obj), out _);
        return Task.CompletedTask;
    }

    public void Forget(Guid clusterId) { }

    private static LiveObject Live(StoredObject stored, FakeCluster cluster)
    {
        var json = JsonNode.Parse(stored.Object.Json)!.AsObject();
        var images = Manifests.Images([stored.Object]);
        WorkloadCounts? counts = null;
        if (ConvergenceRules.IsWorkload(stored.Object.Kind))
        {
            var desired = stored.Object.Kind == "DaemonSet" ? cluster.Nodes.Count : (int)(json["spec"]?["replicas"]?.GetValue<long>() ?? 1);
            var running = images.Any(i => i.EndsWith("-broken", StringComparison.Ordinal)) ? 0 : desired;
            counts = new WorkloadCounts(desired, desired, running, running);
        }
        return new LiveObject(stored.Object.Ref, stored.Annotations, stored.Generation, stored.Generation, counts, images);
    }

    private static bool SameSpec(ManifestObject a, ManifestObject b)
    {
        JsonNode? Spec(ManifestObject o) => JsonNode.Parse(o.Json)?["spec"];
        return JsonNode.DeepEquals(Spec(a), Spec(b));
    }

    private static (string Kind, string? Namespace, string Name) Key(ObjectRef obj) => (obj.Kind, obj.Namespace, obj.Name);

    private ConcurrentDictionary<(string Kind, string? Namespace, string Name), StoredObject> ObjectsOf(ClusterTarget target) =>
        _objects.GetOrAdd(target.Name, _ => new());

    private FakeCluster Get(ClusterTarget target)
    {
        if (!_clusters.TryGetValue(target.Name, out var cluster))
            throw new ClusterCallException(ClusterFailure.Unreachable, $"{target.Name}: cannot connect (fake has no such cluster).");
        if (cluster.Failure is not null) throw cluster.Failure;
        return cluster;
    }
}
