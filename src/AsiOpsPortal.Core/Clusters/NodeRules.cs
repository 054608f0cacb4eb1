namespace AsiOpsPortal.Core.Clusters;

public static class NodeRules
{
    /// <summary>Pool labels of the common providers, ours first.</summary>
    private static readonly string[] PoolLabels =
        ["asiops.io/pool", "node.kubernetes.io/pool", "agentpool", "cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup", "alibabacloud.com/nodepool-id"];

    public static string PoolOf(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var key in PoolLabels)
            if (labels.TryGetValue(key, out var pool) && !string.IsNullOrEmpty(pool)) return pool;
        return "default";
    }

    /// <summary>A node is ready only when its Ready condition says True; Unknown (kubelet silent) counts as not ready.</summary>
    public static bool IsReady(IEnumerable<NodeCondition> conditions) =>
        conditions.Any(c => c.Type == "Ready" && c.Status == "True");
}
