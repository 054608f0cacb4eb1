using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Workloads;

/// <summary>PodDisruptionBudget arithmetic and the eviction subresource that enforces it. Calls run under the cluster lock.</summary>
internal static class Disruption
{
    private sealed record Budget(int Healthy, int Desired, int Expected)
    {
        public int Allowed => Math.Max(0, Healthy - Desired);
    }

    /// <summary>Budget status is derived from the pods on every read, so it can never be stale.</summary>
    public static JsonObject WithStatus(ClusterState state, JsonObject pdb)
    {
        var budget = Compute(state, pdb);
        var copy = pdb.Clone();
        copy["status"] = new JsonObject
        {
            ["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1,
            ["currentHealthy"] = budget.Healthy,
            ["desiredHealthy"] = budget.Desired,
            ["expectedPods"] = budget.Expected,
            ["disruptionsAllowed"] = budget.Allowed,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "DisruptionAllowed",
                ["status"] = budget.Allowed > 0 ? "True" : "False",
                ["reason"] = budget.Allowed > 0 ? "SufficientPods" : "InsufficientPods",
                ["message"] = "",
                ["observedGeneration"] = pdb.Long("metadata", "generation") ?? 1,
                ["lastTransitionTime"] = pdb.Str("metadata", "creationTimestamp"),
            }),
        };
        return Json.Materialize(copy);
    }

    private static Budget Compute(ClusterState state, JsonObject pdb)
    {
        var selector = Selector.FromLabelSelector(pdb.At("spec", "selector"));
        var pods = state.Scan(ResourceCatalog.Pods, pdb.Namespace()).Select(e => e.Object).Where(selector.Matches).ToList();
        var healthy = pods.Count(WorkloadController.IsPodReady);
        // Expected pods come from the owners' desired scale, so an evicted pod still counts until it is replaced.
        var expected = pods.GroupBy(p => WorkloadController.ControllerOf(p)?.Str("uid") ?? p.Name())
            .Sum(g => DesiredScale(state, g.First()) ?? g.Count());
        expected = Math.Max(expected, pods.Count);

        int desired;
        if (pdb.At("spec", "minAvailable") is { } min) desired = Scaled(min, expected, roundUp: true);
        else if (pdb.At("spec", "maxUnavailable") is { } max) desired = Math.Max(0, expected - Scaled(max, expected, roundUp: true));
        else desired = expected;
        return new Budget(healthy, desired, expected);
    }

    private static int? DesiredScale(ClusterState state, JsonObject pod)
    {
        var owner = WorkloadController.ControllerOf(pod);
        var name = owner.Str("name") ?? "";
        return owner.Str("kind") switch
        {
            "ReplicaSet" => (int?)state.Find(ResourceCatalog.ReplicaSets, pod.Namespace(), name)?.Object.Long("spec", "replicas"),
            "StatefulSet" => (int?)state.Find(ResourceCatalog.StatefulSets, pod.Namespace(), name)?.Object.Long("spec", "replicas"),
            "DaemonSet" => (int?)state.Find(ResourceCatalog.DaemonSets, pod.Namespace(), name)?.Object.Long("status", "desiredNumberScheduled"),
            _ => null,
        };
    }

    /// <summary>IntOrString: an absolute count or a percentage of <paramref name="total"/>.</summary>
    private static int Scaled(JsonNode value, int total, bool roundUp)
    {
        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        if (!text.EndsWith('%')) return int.TryParse(text, out var n) ? n : 0;
        var percent = double.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture);
        var scaled = percent * total / 100.0;
        return (int)(roundUp ? Math.Ceiling(scaled) : Math.Floor(scaled));
    }

    /// <summary>POST pods/NAME/eviction: deletes the pod unless a ready pod's budget has no disruption left (429, as kubectl drain expects).</summary>
    public static JsonObject Evict(ClusterState state, string ns, string podName, bool dryRun)
    {
        lock (state.Gate)
        {
            var pod = state.Find(ResourceCatalog.Pods, ns, podName)?.Object ?? throw ApiException.NotFound("pods", podName);
            if (WorkloadController.IsPodReady(pod))
            {
                foreach (var (_, pdb) in state.Scan(ResourceCatalog.Pdbs, ns))
                {
                    if (!Selector.FromLabelSelector(pdb.At("spec", "selector")).Matches(pod)) continue;
                    var budget = Compute(state, pdb);
                    if (budget.Allowed >= 1) continue;
                    var details = new JsonObject
                    {
                        ["causes"] = new JsonArray(new JsonObject
                        {
                            ["reason"] = "DisruptionBudget",
                            ["message"] = $"The disruption budget {pdb.Name()} needs {budget.Desired} healthy pods and has {budget.Healthy} currently",
                        }),
                    };
                    throw new ApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", details);
                }
            }
            if (!dryRun) state.Remove(ResourceCatalog.Pods, pod);
            return Status.Success(201);
        }
    }
}
