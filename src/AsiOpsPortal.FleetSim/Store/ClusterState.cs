using System.Text.Json.Nodes;
using System.Threading.Channels;
using AsiOpsPortal.FleetSim.Admission;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Fleet;
using AsiOpsPortal.FleetSim.Workloads;

namespace AsiOpsPortal.FleetSim.Store;

/// <summary>A stored object and who owns which of its fields. Stored objects are never mutated, only replaced.</summary>
internal sealed record StoredObject(JsonObject Object, IReadOnlyDictionary<string, FieldManager> Managers)
{
    public static readonly IReadOnlyDictionary<string, FieldManager> NoManagers = new Dictionary<string, FieldManager>();
}

internal sealed record WatchEvent(long ResourceVersion, string Type, string StoreKey, string? Namespace, JsonObject Object);

/// <summary>A watch subscription; events are queued by writers (under the cluster lock) and drained by the HTTP stream.</summary>
internal sealed class Watcher(string storeKey, string? ns)
{
    public string StoreKey { get; } = storeKey;
    public string? Namespace { get; } = ns;
    public Channel<WatchEvent> Events { get; } = Channel.CreateUnbounded<WatchEvent>(new() { SingleReader = true });
}

/// <summary>
/// Everything one simulated API server holds: the object store, watch fan-out, and pending workload convergence.
/// One lock guards it all; stored objects are immutable so responses are serialised after the lock is released.
/// Nodes are virtual until written: they are synthesised from (cluster, index) on read, which keeps light clusters tiny.
/// </summary>
internal sealed partial class ClusterState
{
    private const int HistoryLimit = 2000;

    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> collections = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Version, string Name), ApiResource> extraResources = new();
    /// <summary>Resources of CRDs created a moment ago, by the instant they start being served.</summary>
    private readonly Dictionary<(string Group, string Version, string Name), DateTimeOffset> establishing = new();
    private readonly HashSet<int> shadowedNodes = []; // synthesised nodes that were written (now stored) or deleted
    private readonly List<Watcher> watchers = [];
    private readonly Queue<WatchEvent> history = new();
    private readonly PriorityQueue<(string StoreKey, string Namespace, string Name), DateTimeOffset> timers = new();
    private IReadOnlyList<Webhook> webhooks = [];
    private long resourceVersion;
    private long historyFloor;
    private long nodeBaseVersion;

    public ClusterState(SimCluster cluster)
    {
        Cluster = cluster;
        lock (Gate)
        {
            ClusterSeeder.Seed(this);
            nodeBaseVersion = resourceVersion;
            historyFloor = resourceVersion;
        }
    }

    public Lock Gate { get; } = new();

    public SimCluster Cluster { get; }

    public long ResourceVersion => resourceVersion;

    /// <summary>
    /// The validating webhooks of all stored configurations, read without the lock: replaced whole whenever a
    /// configuration is written, so a cluster without any (nearly all of them) pays one empty-list check per write.
    /// </summary>
    public IReadOnlyList<Webhook> Webhooks => Volatile.Read(ref webhooks);

    /// <summary>Pinned while seeding so a fresh cluster's objects look as old as the cluster.</summary>
    internal DateTimeOffset? Clock { get; set; }

    public DateTimeOffset Now => Clock ?? DateTimeOffset.UtcNow;

    /// <summary>Set while seeding and while a controller writes, so those writes do not schedule further reconciliation.</summary>
    internal bool ControllersPaused { get; set; }

    // ---- resource types -------------------------------------------------------------------------------------------

    /// <summary>The resource served at group/version/name, or null: built in, or from an established CRD.</summary>
    public ApiResource? FindResource(string group, string version, string name)
    {
        lock (Gate) return ResourceCatalog.Find(group, version, name) ?? (Served((group, version, name)) ? extraResources[(group, version, name)] : null);
    }

    public IReadOnlyList<ApiResource> AllResources()
    {
        lock (Gate) return [.. ResourceCatalog.BuiltIn, .. extraResources.Where(e => Served(e.Key)).Select(e => e.Value)];
    }

    private bool Served((string, string, string) key)
    {
        if (!extraResources.ContainsKey(key)) return false;
        if (!establishing.TryGetValue(key, out var at)) return true;
        if (at > Now) return false;
        establishing.Remove(key);
        return true;
    }

    private void TrackCrd(JsonObject crd, bool removed)
    {
        var group = crd.Str("spec", "group") ?? "";
        var plural = crd.Str("spec", "names", "plural") ?? "";
        var kind = crd.Str("spec", "names", "kind") ?? "";
        var shortNames = (crd.At("spec", "names", "shortNames") as JsonArray)?.Select(n => n?.ToString() ?? "").ToArray() ?? [];
        var namespaced = crd.Str("spec", "scope") != "Cluster";
        foreach (var version in (crd.At("spec", "versions") as JsonArray ?? []).Select(v => v.Str("name")).OfType<string>())
        {
            if (removed)
            {
                extraResources.Remove((group, version, plural));
                establishing.Remove((group, version, plural));
                continue;
            }
            // A new CRD is served after a moment; an updated one stays served.
            if (!extraResources.ContainsKey((group, version, plural)) && !ControllersPaused)
                establishing[(group, version, plural)] = Now + Cluster.Fleet.Options.CrdEstablishDelay;
            extraResources[(group, version, plural)] = new ApiResource(group, version, plural, kind, namespaced, shortNames, ["all"]);
        }
    }

    // ---- reading (lock held) --------------------------------------------------------------------------------------

    private SortedDictionary<string, StoredObject> Collection(ApiResource r)
    {
        if (!collections.TryGetValue(r.StoreKey, out var c)) collections[r.StoreKey] = c = new(StringComparer.Ordinal);
        return c;
    }

    private static string Key(ApiResource r, string? ns, string name) => r.Namespaced ? $"{ns}/{name}" : name;

    internal StoredObject? Find(ApiResource r, string? ns, string name)
    {
        if (Collection(r).TryGetValue(Key(r, ns, name), out var stored)) return stored;
        if (r.StoreKey == ResourceCatalog.Nodes.StoreKey && Cluster.NodeIndex(name) is { } i && !shadowedNodes.Contains(i))
            return new StoredObject(NodeFactory.Build(Cluster, i, nodeBaseVersion), StoredObject.NoManagers);
        return null;
    }

    /// <summary>Objects of a type in key order (namespace, then name), optionally within one namespace.</summary>
    internal IEnumerable<(string Key, JsonObject Object)> Scan(ApiResource r, string? ns)
    {
        var collection = Collection(r);
        if (r.StoreKey == ResourceCatalog.Nodes.StoreKey && Cluster.Info.NodeCount > 0)
        {
            var names = Enumerable.Range(0, Cluster.Info.NodeCount).Where(i => !shadowedNodes.Contains(i))
                .Select(Cluster.NodeName).Concat(collection.Keys).Order(StringComparer.Ordinal).ToList();
            foreach (var name in names) yield return (name, Find(r, null, name)!.Object);
            yield break;
        }
        var prefix = r.Namespaced && ns is not null ? ns + "/" : null;
        foreach (var (key, stored) in collection)
        {
            if (prefix is null || key.StartsWith(prefix, StringComparison.Ordinal)) yield return (key, stored.Object);
        }
    }

    /// <summary>What clients see: nodes carry injected faults, budgets carry live status.</summary>
    internal JsonObject Present(ApiResource r, JsonObject obj)
    {
        if (r.StoreKey == ResourceCatalog.Nodes.StoreKey) return NodeFactory.WithFaults(Cluster, obj, faultVersion);
        if (r.StoreKey == ResourceCatalog.Pdbs.StoreKey) return Disruption.WithStatus(this, obj);
        return obj;
    }

    public JsonObject Get(ApiResource r, string? ns, string name)
    {
        lock (Gate)
        {
            var stored = Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name);
            return Present(r, stored.Object);
        }
    }

    public JsonObject? TryGet(ApiResource r, string? ns, string name)
    {
        lock (Gate) return Find(r, ns, name) is { } stored ? Present(r, stored.Object) : null;
    }

    public sealed record Page(List<JsonObject> Items, string ResourceVersion, string? Continue, long? Remaining);

    public Page List(ApiResource r, string? ns, Selector labels, Selector fields, int limit, string? continueKey)
    {
        lock (Gate)
        {
            var items = new List<JsonObject>();
            string? lastKey = null;
            long remaining = 0;
            foreach (var (key, obj) in Scan(r, ns))
            {
                if (continueKey is not null && string.CompareOrdinal(key, continueKey) <= 0) continue;
                var presented = Present(r, obj);
                if (!labels.Matches(presented) || !fields.Matches(presented)) continue;
                if (limit > 0 && items.Count >= limit)
                {
                    remaining++;
                    continue;
                }
                items.Add(presented);
                lastKey = key;
            }
            return remaining > 0
                ? new Page(items, resourceVersion.ToString(), lastKey, remaining)
                : new Page(items, resourceVersion.ToString(), null, null);
        }
    }

    // ---- writing (lock held) --------------------------------------------------------------------------------------

    /// <summary>
    /// Stores <paramref name="next"/> as the new state of an object (create when <paramref name="old"/> is null):
    /// keeps identity fields, bumps generation on spec changes, skips no-op writes, notifies watchers and controllers.
    /// </summary>
    internal JsonObject Commit(ApiResource r, StoredObject? old, JsonObject next, IReadOnlyDictionary<string, FieldManager> managers, bool dryRun = false)
    {
        var meta = next.Meta();
        next["apiVersion"] ??= r.GroupVersion;
        next["kind"] ??= r.Kind;
        if (r.StoreKey == ResourceCatalog.ValidatingWebhookConfigurations.StoreKey) WebhookConfigurations.DefaultAndValidate(next);
        if (old is not null)
        {
            var oldMeta = old.Object.Meta();
            foreach (var field in (string[])["uid", "creationTimestamp", "name", "namespace", "deletionTimestamp"])
            {
                if (oldMeta[field] is { } value) meta[field] = value.DeepClone();
            }
            var generation = oldMeta.Long("generation") ?? 1;
            meta["generation"] = SpecChanged(old.Object, next) ? generation + 1 : generation;
        }
        else
        {
            meta["uid"] ??= Json.Uid(Cluster.Info.Name, r.StoreKey, next.Namespace() ?? "", next.Name(), resourceVersion.ToString());
            meta["creationTimestamp"] = Json.Time(Now);
            if (r.StoreKey == ResourceCatalog.Namespaces.StoreKey) next.Child("status")["phase"] ??= "Active";
            meta["generation"] = 1;
        }
        if (managers.Count > 0) meta["managedFields"] = FieldOwnership.Render(managers.Values);
        else meta.Remove("managedFields");

        if (old is not null)
        {
            meta["resourceVersion"] = old.Object.Str("metadata", "resourceVersion");
            if (JsonNode.DeepEquals(old.Object, next)) return Present(r, old.Object); // no-op writes keep the resourceVersion
        }
        if (dryRun) return Present(r, next);

        meta["resourceVersion"] = (++resourceVersion).ToString();
        var stored = new StoredObject(Json.Materialize(next), managers);
        Collection(r)[Key(r, next.Namespace(), next.Name())] = stored;
        if (r.StoreKey == ResourceCatalog.Nodes.StoreKey && Cluster.NodeIndex(next.Name()) is { } index) shadowedNodes.Add(index);
        if (r.StoreKey == ResourceCatalog.Crds.StoreKey) TrackCrd(next, removed: false);
        if (r.StoreKey == ResourceCatalog.ValidatingWebhookConfigurations.StoreKey) RefreshWebhooks();
        Publish(old is null ? "ADDED" : "MODIFIED", r, next);
        WorkloadController.AfterWrite(this, r, old?.Object, next);
        return Present(r, next);
    }

    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        var keys = before.Select(kv => kv.Key).Union(after.Select(kv => kv.Key)).Where(k => k is not ("metadata" or "status" or "apiVersion" or "kind"));
        return keys.Any(k => !JsonNode.DeepEquals(before[k], after[k]));
    }

    /// <summary>Removes an object, then what it owned (garbage collection) and, for a namespace, everything in it.</summary>
    internal void Remove(ApiResource r, JsonObject obj, bool orphan = false)
    {
        var key = Key(r, obj.Namespace(), obj.Name());
        if (!Collection(r).Remove(key))
        {
            if (r.StoreKey != ResourceCatalog.Nodes.StoreKey || Cluster.NodeIndex(obj.Name()) is not { } index || !shadowedNodes.Add(index)) return;
        }
        else if (r.StoreKey == ResourceCatalog.Nodes.StoreKey && Cluster.NodeIndex(obj.Name()) is { } index)
        {
            shadowedNodes.Add(index);
        }
        var gone = obj.Clone();
        gone.Meta()["resourceVersion"] = (++resourceVersion).ToString();
        Publish("DELETED", r, Json.Materialize(gone));
        if (r.StoreKey == ResourceCatalog.Crds.StoreKey) TrackCrd(obj, removed: true);
        if (r.StoreKey == ResourceCatalog.ValidatingWebhookConfigurations.StoreKey) RefreshWebhooks();
        WorkloadController.AfterDelete(this, r, obj);

        var uid = obj.Str("metadata", "uid");
        var dependents = new List<(ApiResource, JsonObject)>();
        foreach (var type in AllResourcesUnlocked())
        {
            if (!collections.ContainsKey(type.StoreKey)) continue;
            foreach (var (_, candidate) in Scan(type, r.StoreKey == ResourceCatalog.Namespaces.StoreKey ? obj.Name() : obj.Namespace()))
            {
                var inNamespace = r.StoreKey == ResourceCatalog.Namespaces.StoreKey && type.Namespaced;
                var owned = !orphan && candidate.At("metadata", "ownerReferences") is JsonArray refs && refs.Any(o => o.Str("uid") == uid);
                if (inNamespace || owned) dependents.Add((type, candidate));
            }
        }
        foreach (var (type, dependent) in dependents) Remove(type, dependent);
    }

    private void RefreshWebhooks() =>
        Volatile.Write(ref webhooks, WebhookConfigurations.Parse(Scan(ResourceCatalog.ValidatingWebhookConfigurations, null).Select(e => e.Object)));

    private IEnumerable<ApiResource> AllResourcesUnlocked() =>
        ResourceCatalog.BuiltIn.Concat(extraResources.Values).DistinctBy(r => r.StoreKey);

    // ---- watch ----------------------------------------------------------------------------------------------------

    private void Publish(string type, ApiResource r, JsonObject obj)
    {
        var ev = new WatchEvent(resourceVersion, type, r.StoreKey, obj.Namespace(), obj);
        if (watchers.Count > 0)
        {
            var presented = ev with { Object = Present(r, obj) };
            foreach (var w in watchers)
            {
                if (w.StoreKey == r.StoreKey && (w.Namespace is null || w.Namespace == ev.Namespace)) w.Events.Writer.TryWrite(presented);
            }
        }
        history.Enqueue(ev);
        if (history.Count > HistoryLimit) historyFloor = history.Dequeue().ResourceVersion;
    }

    /// <summary>
    /// Subscribes and returns the events the watcher must see first: current objects as ADDED when no resourceVersion
    /// is given, else the recorded history after it (410 Expired when that history is gone).
    /// </summary>
    public (Watcher Watcher, List<WatchEvent> Initial) Watch(ApiResource r, string? ns, long? sinceVersion)
    {
        lock (Gate)
        {
            var watcher = new Watcher(r.StoreKey, ns);
            var initial = new List<WatchEvent>();
            if (sinceVersion is null or 0)
            {
                foreach (var (_, obj) in Scan(r, ns)) initial.Add(new(resourceVersion, "ADDED", r.StoreKey, obj.Namespace(), Present(r, obj)));
            }
            else if (sinceVersion < historyFloor)
            {
                throw new ApiException(410, "Expired", $"too old resource version: {sinceVersion} ({historyFloor})");
            }
            else
            {
                initial.AddRange(history.Where(e => e.ResourceVersion > sinceVersion && e.StoreKey == r.StoreKey && (ns is null || e.Namespace == ns))
                    .Select(e => e with { Object = Present(r, e.Object) }));
            }
            watchers.Add(watcher);
            return (watcher, initial);
        }
    }

    public void Unwatch(Watcher watcher)
    {
        lock (Gate) watchers.Remove(watcher);
        watcher.Events.Writer.TryComplete();
    }

    // ---- faults ---------------------------------------------------------------------------------------------------

    private long faultVersion;

    /// <summary>Node faults change what nodes report; give them a new resourceVersion and tell node watchers.</summary>
    public void NodeFaultsChanged()
    {
        lock (Gate)
        {
            faultVersion = ++resourceVersion;
            if (!watchers.Any(w => w.StoreKey == ResourceCatalog.Nodes.StoreKey)) return;
            foreach (var (_, node) in Scan(ResourceCatalog.Nodes, null).ToList()) Publish("MODIFIED", ResourceCatalog.Nodes, node);
        }
    }

    // ---- convergence timers ---------------------------------------------------------------------------------------

    internal void Schedule(ApiResource r, string ns, string name, DateTimeOffset due)
    {
        timers.Enqueue((r.StoreKey, ns, name), due);
        Cluster.Fleet.Scheduler.Wake(Cluster);
    }

    /// <summary>Runs due reconciliations; called before every request and by the fleet's timer. Returns whether work remains.</summary>
    public bool Tick()
    {
        lock (Gate)
        {
            var now = Now;
            while (timers.TryPeek(out var key, out var due) && due <= now)
            {
                timers.Dequeue();
                WorkloadController.Reconcile(this, key.StoreKey, key.Namespace, key.Name, now);
            }
            return timers.Count > 0;
        }
    }

    public bool HasTimers
    {
        get { lock (Gate) return timers.Count > 0; }
    }
}
