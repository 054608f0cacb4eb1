using System.Text.Json.Nodes;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>What the portal knows about Kubernetes kinds without asking a cluster: their scope, apply order and pod specs.</summary>
public static class Kinds
{
    /// <summary>Built-in kinds that live outside namespaces. A cluster's discovery is the final word; this list lets us default namespaces before talking to one.</summary>
    private static readonly HashSet<string> ClusterScoped = new(StringComparer.Ordinal)
    {
        "Namespace", "Node", "PersistentVolume", "ComponentStatus",
        "CustomResourceDefinition", "APIService",
        "ClusterRole", "ClusterRoleBinding",
        "PriorityClass", "RuntimeClass",
        "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass",
        "IngressClass", "IPAddress", "ServiceCIDR",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        "CertificateSigningRequest", "ClusterTrustBundle",
        "FlowSchema", "PriorityLevelConfiguration",
        "DeviceClass", "ResourceSlice", "StorageVersionMigration",
        "TokenReview", "SelfSubjectReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview",
    };

    /// <summary>Kinds that run containers, with the path from the object to its pod spec.</summary>
    private static readonly Dictionary<string, string[]> PodSpecPaths = new(StringComparer.Ordinal)
    {
        ["Pod"] = ["spec"],
        ["Deployment"] = ["spec", "template", "spec"],
        ["DaemonSet"] = ["spec", "template", "spec"],
        ["StatefulSet"] = ["spec", "template", "spec"],
        ["ReplicaSet"] = ["spec", "template", "spec"],
        ["ReplicationController"] = ["spec", "template", "spec"],
        ["Job"] = ["spec", "template", "spec"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template", "spec"],
    };

    public static bool IsClusterScoped(string kind) => ClusterScoped.Contains(kind);

    /// <summary>
    /// The resource name a kind is served under, as in API paths and the defender's budgets: lower-case plural
    /// (Deployment → deployments, Ingress → ingresses, NetworkPolicy → networkpolicies), the way Kubernetes guesses it.
    /// </summary>
    public static string ResourceOf(string kind)
    {
        var lower = kind.ToLowerInvariant();
        return lower switch
        {
            "endpoints" => lower,
            _ when lower.EndsWith('s') => lower + "es",
            _ when lower.EndsWith('y') => lower[..^1] + "ies",
            _ => lower + "s",
        };
    }

    /// <summary>True for kinds that run containers (and so are applied last, once their config exists).</summary>
    public static bool RunsContainers(string kind) => PodSpecPaths.ContainsKey(kind);

    /// <summary>0: namespaces and CRDs, which everything else may live in or be an instance of; 1: configuration; 2: what runs containers.</summary>
    internal static int ApplyRank(string kind) => kind switch
    {
        "Namespace" or "CustomResourceDefinition" => 0,
        _ when RunsContainers(kind) => 2,
        _ => 1,
    };

    /// <summary>The images the object's pod spec runs, containers before init containers, without repeats.</summary>
    internal static IEnumerable<string> ImagesOf(string kind, JsonObject obj)
    {
        if (!PodSpecPaths.TryGetValue(kind, out var path)) return [];
        JsonNode? spec = obj;
        foreach (var step in path) spec = (spec as JsonObject)?[step];
        if (spec is not JsonObject podSpec) return [];
        return new[] { "containers", "initContainers" }
            .SelectMany(list => (podSpec[list] as JsonArray ?? []).OfType<JsonObject>())
            .Select(container => container["image"] is JsonValue v && v.TryGetValue<string>(out var image) ? image : null)
            .OfType<string>()
            .Where(image => image.Length > 0)
            .Distinct(StringComparer.Ordinal);
    }
}
