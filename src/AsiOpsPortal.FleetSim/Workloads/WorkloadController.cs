using System.Globalization;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Fleet;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Workloads;

/// <summary>
/// A compressed deployment and daemonset controller: a spec change is observed ConvergenceDelay later, at which point
/// pods are replaced in one step and status reflects them. Images tagged "-broken" never become ready, and the
/// Deployment reports ProgressDeadlineExceeded one further delay later. All calls run under the cluster lock.
/// </summary>
internal static class WorkloadController
{
    private const string Deployments = "apps/deployments";
    private const string DaemonSets = "apps/daemonsets";
    private const string StatefulSets = "apps/statefulsets";

    public static void AfterWrite(ClusterState state, ApiResource r, JsonObject? old, JsonObject next)
    {
        if (state.ControllersPaused || r.StoreKey is not (Deployments or DaemonSets or StatefulSets)) return;
        if (old is not null && old.Long("metadata", "generation") == next.Long("metadata", "generation")) return;
        state.Schedule(r, next.Namespace() ?? "", next.Name(), state.Now + state.Cluster.Fleet.Options.ConvergenceDelay);
    }

    /// <summary>A deleted pod is replaced by its workload after the convergence delay, like a real controller would.</summary>
    public static void AfterDelete(ClusterState state, ApiResource r, JsonObject obj)
    {
        if (state.ControllersPaused || r.StoreKey != ResourceCatalog.Pods.StoreKey || ControllerOf(obj) is not { } owner) return;
        var ns = obj.Namespace() ?? "";
        var due = state.Now + state.Cluster.Fleet.Options.ConvergenceDelay;
        if (owner.Str("kind") == "DaemonSet")
        {
            state.Schedule(ResourceCatalog.DaemonSets, ns, owner.Str("name") ?? "", due);
        }
        else if (owner.Str("kind") == "StatefulSet")
        {
            state.Schedule(ResourceCatalog.StatefulSets, ns, owner.Str("name") ?? "", due);
        }
        else if (owner.Str("kind") == "ReplicaSet"
                 && state.Find(ResourceCatalog.ReplicaSets, ns, owner.Str("name") ?? "") is { } rs
                 && ControllerOf(rs.Object) is { } deployment && deployment.Str("kind") == "Deployment")
        {
            state.Schedule(ResourceCatalog.Deployments, ns, deployment.Str("name") ?? "", due);
        }
    }

    public static void Reconcile(ClusterState state, string storeKey, string ns, string name, DateTimeOffset now)
    {
        var paused = state.ControllersPaused;
        state.ControllersPaused = true; // our own writes must not schedule more reconciliations
        try
        {
            if (storeKey == Deployments) ReconcileDeployment(state, ns, name, now);
            else if (storeKey == DaemonSets) ReconcileDaemonSet(state, ns, name, now);
            else if (storeKey == StatefulSets) ReconcileStatefulSet(state, ns, name, now);
        }
        finally
        {
            state.ControllersPaused = paused;
        }
    }

    // ---- Deployment -----------------------------------------------------------------------------------------------

    private static void ReconcileDeployment(ClusterState state, string ns, string name, DateTimeOffset now)
    {
        if (state.Find(ResourceCatalog.Deployments, ns, name) is not { } stored) return;
        var deployment = stored.Object;
        var uid = deployment.Str("metadata", "uid") ?? "";
        var replicas = (int)(deployment.Long("spec", "replicas") ?? 1);
        var template = deployment.At("spec", "template") as JsonObject ?? new JsonObject();
        var hash = TemplateHash(template);
        var rsName = $"{name}-{hash}";

        var owned = Owned(state, ResourceCatalog.ReplicaSets, ns, uid);
        var revision = owned.Select(r => r.Long("metadata", "annotations", "deployment.kubernetes.io/revision") ?? 0).DefaultIfEmpty(0).Max();
        var current = owned.FirstOrDefault(r => r.Name() == rsName);
        if (current is null)
        {
            var rs = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = ns,
                    ["labels"] = WithLabel(template.At("metadata", "labels"), "pod-template-hash", hash),
                    ["annotations"] = new JsonObject
                    {
                        ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/revision"] = (revision + 1).ToString(CultureInfo.InvariantCulture),
                    },
                    ["ownerReferences"] = new JsonArray(OwnerRef(deployment)),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = replicas,
                    ["selector"] = SelectorWith(deployment.At("spec", "selector"), "pod-template-hash", hash),
                    ["template"] = TemplateWith(template, "pod-template-hash", hash),
                },
            };
            current = state.Commit(ResourceCatalog.ReplicaSets, null, rs, StoredObject.NoManagers);
        }

        foreach (var old in owned.Where(r => r.Name() != rsName))
        {
            foreach (var pod in Owned(state, ResourceCatalog.Pods, ns, old.Str("metadata", "uid"))) state.Remove(ResourceCatalog.Pods, pod);
            UpdateReplicaSet(state, old, 0, [], now);
        }

        var pods = Owned(state, ResourceCatalog.Pods, ns, current.Str("metadata", "uid"));
        foreach (var extra in pods.Skip(replicas).ToList())
        {
            state.Remove(ResourceCatalog.Pods, extra);
            pods.Remove(extra);
        }
        if (pods.Count < replicas)
        {
            var nodes = Nodes(state, template).Where(NodeFactory.IsSchedulable).ToList();
            var perNode = pods.GroupBy(p => p.Str("spec", "nodeName") ?? "").ToDictionary(g => g.Key, g => g.Count());
            var offset = (int)(Json.Hash(rsName) % (ulong)Math.Max(1, nodes.Count));
            for (var i = pods.Count; i < replicas; i++)
            {
                // Spread like the default scheduler's topology spreading: the node with the fewest of our pods wins.
                var node = nodes.Count == 0 ? null : Enumerable.Range(0, nodes.Count).Select(k => nodes[(k + offset) % nodes.Count])
                    .MinBy(n => perNode.GetValueOrDefault(n.Name()));
                if (node is not null) perNode[node.Name()] = perNode.GetValueOrDefault(node.Name()) + 1;
                var podName = $"{rsName}-{Json.Suffix(5, rsName, state.ResourceVersion.ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture))}";
                pods.Add(CreatePod(state, ns, podName, TemplateWith(template, "pod-template-hash", hash), current, node, now));
            }
        }
        var ready = pods.Count(IsPodReady);
        UpdateReplicaSet(state, current, replicas, pods, now);
        UpdateDeploymentStatus(state, stored, replicas, pods.Count, ready, rsName, now);
    }

    private static void UpdateReplicaSet(ClusterState state, JsonObject rs, int replicas, List<JsonObject> pods, DateTimeOffset now)
    {
        if (state.Find(ResourceCatalog.ReplicaSets, rs.Namespace(), rs.Name()) is not { } stored) return;
        var next = stored.Object.Clone();
        next.Child("spec")["replicas"] = replicas;
        next.Meta().Child("annotations")["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture);
        var ready = pods.Count(IsPodReady);
        var status = new JsonObject { ["replicas"] = pods.Count };
        if (pods.Count > 0) status["fullyLabeledReplicas"] = pods.Count;
        if (ready > 0)
        {
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
        }
        status["observedGeneration"] = next.Long("metadata", "generation") ?? 1;
        next["status"] = status;
        state.Commit(ResourceCatalog.ReplicaSets, stored, next, stored.Managers);
    }

    private static void UpdateDeploymentStatus(ClusterState state, StoredObject stored, int replicas, int updated, int ready, string rsName, DateTimeOffset now)
    {
        var next = stored.Object.Clone();
        var previous = stored.Object.At("status", "conditions") as JsonArray;
        var status = new JsonObject { ["observedGeneration"] = next.Long("metadata", "generation") ?? 1 };
        // Zero counts are omitted, as the real API server's omitempty does; clients must treat a missing count as 0.
        if (updated > 0) status["replicas"] = updated;
        if (updated > 0) status["updatedReplicas"] = updated;
        if (ready > 0) status["readyReplicas"] = ready;
        if (ready > 0) status["availableReplicas"] = ready;
        if (replicas - ready > 0) status["unavailableReplicas"] = replicas - ready;

        var conditions = new JsonArray();
        SetCondition(conditions, previous, "Available", ready >= replicas ? "True" : "False",
            ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            ready >= replicas ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now);

        var progressing = previous?.FirstOrDefault(c => c.Str("type") == "Progressing");
        var mentionsCurrent = progressing.Str("message")?.Contains($"\"{rsName}\"", StringComparison.Ordinal) == true;
        var delay = state.Cluster.Fleet.Options.ConvergenceDelay;
        if (ready >= replicas && updated == replicas)
        {
            SetCondition(conditions, previous, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", now);
        }
        else if (mentionsCurrent && progressing.Str("reason") == "ProgressDeadlineExceeded")
        {
            conditions.Add(progressing!.DeepClone());
        }
        else if (mentionsCurrent && progressing.Str("reason") == "ReplicaSetUpdated"
                 && now - (Json.ParseTime(progressing.Str("lastUpdateTime")) ?? now) >= delay - TimeSpan.FromMilliseconds(1))
        {
            SetCondition(conditions, previous, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", now);
        }
        else
        {
            SetCondition(conditions, previous, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", now);
            // The simulated progress deadline is one more convergence delay; check back then.
            state.Schedule(ResourceCatalog.Deployments, next.Namespace() ?? "", next.Name(), now + delay);
        }
        status["conditions"] = conditions;
        next["status"] = status;
        state.Commit(ResourceCatalog.Deployments, stored, next, stored.Managers);
    }

    // ---- DaemonSet ------------------------------------------------------------------------------------------------

    private static void ReconcileDaemonSet(ClusterState state, string ns, string name, DateTimeOffset now)
    {
        if (state.Find(ResourceCatalog.DaemonSets, ns, name) is not { } stored) return;
        var ds = stored.Object;
        var template = ds.At("spec", "template") as JsonObject ?? new JsonObject();
        var hash = TemplateHash(template);
        // DaemonSet pods tolerate cordoned and not-ready nodes, so every node matching the nodeSelector gets one.
        var nodes = Nodes(state, template);
        var eligible = nodes.Select(n => n.Name()).ToHashSet();
        var pods = Owned(state, ResourceCatalog.Pods, ns, ds.Str("metadata", "uid"));
        var byNode = pods.GroupBy(p => p.Str("spec", "nodeName") ?? "").ToDictionary(g => g.Key, g => g.ToList());

        foreach (var (nodeName, onNode) in byNode.Where(kv => !eligible.Contains(kv.Key)))
        {
            foreach (var pod in onNode) state.Remove(ResourceCatalog.Pods, pod);
        }
        var live = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var onNode = byNode.GetValueOrDefault(node.Name()) ?? [];
            var keep = onNode.FirstOrDefault(p => p.Str("metadata", "labels", "controller-revision-hash") == hash);
            foreach (var pod in onNode.Where(p => p != keep)) state.Remove(ResourceCatalog.Pods, pod);
            if (keep is null)
            {
                var podName = $"{name}-{Json.Suffix(5, name, node.Name(), hash)}";
                keep = CreatePod(state, ns, podName, TemplateWith(template, "controller-revision-hash", hash), ds, node, now);
            }
            live.Add(keep);
        }

        var ready = live.Count(IsPodReady);
        var next = ds.Clone();
        var status = new JsonObject
        {
            ["currentNumberScheduled"] = nodes.Count,
            ["desiredNumberScheduled"] = nodes.Count,
            ["numberMisscheduled"] = 0,
            ["numberReady"] = ready,
            ["observedGeneration"] = ds.Long("metadata", "generation") ?? 1,
        };
        if (live.Count > 0) status["updatedNumberScheduled"] = live.Count;
        if (ready > 0) status["numberAvailable"] = ready;
        if (nodes.Count - ready > 0) status["numberUnavailable"] = nodes.Count - ready;
        next["status"] = status;
        state.Commit(ResourceCatalog.DaemonSets, stored, next, stored.Managers);
    }

    // ---- StatefulSet ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Pods NAME-0 … NAME-(replicas-1), each replaced when it runs an older revision (all at once: the controller is
    /// compressed), and the status a real controller reports, revisions included.
    /// </summary>
    private static void ReconcileStatefulSet(ClusterState state, string ns, string name, DateTimeOffset now)
    {
        if (state.Find(ResourceCatalog.StatefulSets, ns, name) is not { } stored) return;
        var sts = stored.Object;
        var replicas = (int)(sts.Long("spec", "replicas") ?? 1);
        var template = sts.At("spec", "template") as JsonObject ?? new JsonObject();
        var revision = $"{name}-{TemplateHash(template)}";
        var pods = Owned(state, ResourceCatalog.Pods, ns, sts.Str("metadata", "uid")).ToDictionary(p => p.Name());
        var nodes = Nodes(state, template).Where(NodeFactory.IsSchedulable).ToList();

        foreach (var (podName, pod) in pods.Where(p => !IsOrdinal(p.Key, name, replicas)).ToList())
        {
            state.Remove(ResourceCatalog.Pods, pod);
            pods.Remove(podName);
        }
        var live = new List<JsonObject>();
        for (var ordinal = 0; ordinal < replicas; ordinal++)
        {
            var podName = $"{name}-{ordinal}";
            if (pods.TryGetValue(podName, out var pod) && pod.Str("metadata", "labels", "controller-revision-hash") == revision)
            {
                live.Add(pod);
                continue;
            }
            if (pod is not null) state.Remove(ResourceCatalog.Pods, pod);
            var node = nodes.Count == 0 ? null : nodes[(int)(Json.Hash(podName) % (ulong)nodes.Count)];
            var labelled = TemplateWith(TemplateWith(template, "controller-revision-hash", revision), "statefulset.kubernetes.io/pod-name", podName);
            live.Add(CreatePod(state, ns, podName, labelled, sts, node, now));
        }

        var ready = live.Count(IsPodReady);
        var next = sts.Clone();
        var status = new JsonObject
        {
            ["observedGeneration"] = sts.Long("metadata", "generation") ?? 1,
            ["replicas"] = live.Count,
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
        };
        // The API leaves out counts that are zero.
        if (live.Count > 0) (status["currentReplicas"], status["updatedReplicas"]) = (live.Count, live.Count);
        if (ready > 0) (status["readyReplicas"], status["availableReplicas"]) = (ready, ready);
        next["status"] = status;
        state.Commit(ResourceCatalog.StatefulSets, stored, next, stored.Managers);
    }

    private static bool IsOrdinal(string podName, string set, int replicas) =>
        podName.StartsWith(set + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(set.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) && ordinal < replicas;

    // ---- pods and helpers -----------------------------------------------------------------------------------------

    private static JsonObject CreatePod(ClusterState state, string ns, string name, JsonObject template, JsonObject owner, JsonObject? node, DateTimeOffset now)
    {
        var spec = template.At("spec") is JsonObject s ? s.Clone() : new JsonObject();
        spec["restartPolicy"] ??= "Always";
        spec["schedulerName"] ??= "default-scheduler";
        spec["serviceAccountName"] ??= "default";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        var containers = spec["containers"] as JsonArray ?? [];
        var broken = containers.Any(c => c.Str("image")?.EndsWith("-broken", StringComparison.Ordinal) == true);
        var nodeReady = node is not null && NodeFactory.IsReady(node);
        var ready = !broken && nodeReady;
        var phase = node is null || broken ? "Pending" : "Running";
        var started = Json.Time(now);

        var statuses = new JsonArray();
        foreach (var c in containers.OfType<JsonObject>())
        {
            var image = c.Str("image") ?? "";
            var isBroken = image.EndsWith("-broken", StringComparison.Ordinal);
            statuses.Add(new JsonObject
            {
                ["name"] = c.Str("name"),
                ["image"] = image,
                ["imageID"] = isBroken ? "" : $"{image.Split(':')[0]}@sha256:{Json.Hash(image).ToString("x16")}{Json.Hash(image, "2").ToString("x16")}",
                ["ready"] = ready,
                ["started"] = !isBroken && node is not null,
                ["restartCount"] = 0,
                ["state"] = isBroken || node is null
                    ? new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{image}\"" } }
                    : new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
            });
        }
        if (node is not null) spec["nodeName"] = node.Name();
        var conditions = new JsonArray(
            PodCondition("PodScheduled", node is not null ? "True" : "False", now),
            PodCondition("Initialized", "True", now),
            PodCondition("ContainersReady", ready ? "True" : "False", now),
            PodCondition("Ready", ready ? "True" : "False", now));
        var status = new JsonObject { ["phase"] = phase, ["conditions"] = conditions, ["qosClass"] = "BestEffort" };
        if (node is not null)
        {
            var index = state.Cluster.NodeIndex(node.Name()) ?? 0;
            var hostIp = NodeFactory.InternalIp(node) ?? "10.0.0.1";
            var podIp = spec.Bool("hostNetwork") ? hostIp : $"172.{16 + index / 256 % 16}.{index % 256}.{Json.Hash(name) % 250 + 2}";
            status["hostIP"] = hostIp;
            status["podIP"] = podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
            status["startTime"] = started;
            status["containerStatuses"] = statuses;
        }
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["generateName"] = name[..(name.LastIndexOf('-') + 1)],
                ["namespace"] = ns,
                ["labels"] = template.At("metadata", "labels")?.DeepClone() ?? new JsonObject(),
                ["ownerReferences"] = new JsonArray(OwnerRef(owner)),
            },
            ["spec"] = spec,
            ["status"] = status,
        };
        if (template.At("metadata", "annotations") is JsonObject annotations) pod.Meta()["annotations"] = annotations.DeepClone();
        return state.Commit(ResourceCatalog.Pods, null, pod, StoredObject.NoManagers);
    }

    private static JsonObject PodCondition(string type, string status, DateTimeOffset now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = Json.Time(now),
    };

    public static bool IsPodReady(JsonObject pod) =>
        pod.Str("status", "phase") == "Running"
        && (pod.At("status", "conditions") as JsonArray)?.Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") == true;

    /// <summary>Keeps condition timestamps when nothing changed, so unchanged status is a no-op write.</summary>
    private static void SetCondition(JsonArray into, JsonArray? previous, string type, string status, string reason, string message, DateTimeOffset now)
    {
        var old = previous?.FirstOrDefault(c => c.Str("type") == type);
        if (old is not null && old.Str("status") == status && old.Str("reason") == reason && old.Str("message") == message)
        {
            into.Add(old.DeepClone());
            return;
        }
        into.Add(new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = Json.Time(now),
            ["lastTransitionTime"] = old is not null && old.Str("status") == status ? old.Str("lastTransitionTime") : Json.Time(now),
            ["reason"] = reason,
            ["message"] = message,
        });
    }

    /// <summary>Nodes matching the pod template's nodeSelector, as clients would see them (faults included).</summary>
    private static List<JsonObject> Nodes(ClusterState state, JsonObject template)
    {
        var selector = Selector.FromMap(template.At("spec", "nodeSelector"));
        return state.Scan(ResourceCatalog.Nodes, null).Select(n => state.Present(ResourceCatalog.Nodes, n.Object))
            .Where(selector.Matches).ToList();
    }

    private static List<JsonObject> Owned(ClusterState state, ApiResource r, string ns, string? ownerUid) =>
        state.Scan(r, ns).Select(e => e.Object).Where(o => ControllerOf(o)?.Str("uid") == ownerUid).ToList();

    public static JsonNode? ControllerOf(JsonObject obj) =>
        (obj.At("metadata", "ownerReferences") as JsonArray)?.FirstOrDefault(o => o.Bool("controller"));

    private static JsonObject OwnerRef(JsonObject owner) => new()
    {
        ["apiVersion"] = owner.Str("apiVersion"),
        ["kind"] = owner.Str("kind"),
        ["name"] = owner.Name(),
        ["uid"] = owner.Str("metadata", "uid"),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static string TemplateHash(JsonObject template) => Json.Suffix(10, template.ToJsonString());

    private static JsonObject WithLabel(JsonNode? labels, string key, string value)
    {
        var result = labels is JsonObject l ? l.Clone() : new JsonObject();
        result[key] = value;
        return result;
    }

    private static JsonObject SelectorWith(JsonNode? selector, string key, string value)
    {
        var result = selector is JsonObject s ? s.Clone() : new JsonObject();
        result["matchLabels"] = WithLabel(result["matchLabels"], key, value);
        return result;
    }

    private static JsonObject TemplateWith(JsonObject template, string key, string value)
    {
        var result = template.Clone();
        result.Meta()["labels"] = WithLabel(result.At("metadata", "labels"), key, value);
        return result;
    }
}
