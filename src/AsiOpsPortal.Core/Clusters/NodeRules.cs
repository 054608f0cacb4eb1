using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

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

    /// <summary>
    /// A digest of everything the inventory keeps about a node, so a sync can tell "unchanged" from a stored number
    /// instead of reading back and comparing every node's conditions and labels. Label order does not matter.
    /// </summary>
    public static long Fingerprint(string pool, bool ready, bool schedulable, string kubeletVersion,
        IEnumerable<NodeCondition> conditions, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var text = new StringBuilder(512);
        // Unit separators keep field boundaries unambiguous ("a"+"bc" differs from "ab"+"c").
        void Field(string? value) => text.Append(value ?? "\u0002null").Append('\u001f');
        Field(pool);
        Field(ready ? "1" : "0");
        Field(schedulable ? "1" : "0");
        Field(kubeletVersion);
        foreach (var c in conditions)
        {
            Field(c.Type); Field(c.Status); Field(c.Reason); Field(c.Message);
        }
        text.Append('\u001e');
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Field(key); Field(value);
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        return BinaryPrimitives.ReadInt64LittleEndian(hash);
    }
}
