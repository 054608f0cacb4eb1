namespace AsiOpsPortal.FleetSim.Api;

/// <summary>One resource type an API server serves, as discovery describes it.</summary>
internal sealed record ApiResource(
    string Group, string Version, string Name, string Kind, bool Namespaced, string[] ShortNames, string[]? Categories = null)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Storage is per group and resource, not version, as in etcd.</summary>
    public string StoreKey => $"{Group}/{Name}";

    /// <summary>"deployments.apps" or "pods": how messages name a resource.</summary>
    public string Qualified => Group.Length == 0 ? Name : $"{Name}.{Group}";

    public string Singular => Kind.ToLowerInvariant();
}

/// <summary>The built-in resources every simulated cluster serves; CRDs and ad-hoc resources are added per cluster.</summary>
internal static class ResourceCatalog
{
    public static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, ["po"], ["all"]);
    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false, ["no"]);
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", false, ["ns"]);
    public static readonly ApiResource Services = new("", "v1", "services", "Service", true, ["svc"], ["all"]);
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "Deployment", true, ["deploy"], ["all"]);
    public static readonly ApiResource ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], ["all"]);
    public static readonly ApiResource DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true, ["ds"], ["all"]);
    public static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], ["all"]);
    public static readonly ApiResource Pdbs = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"]);
    public static readonly ApiResource Crds = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, ["crd", "crds"]);
    public static readonly ApiResource ValidatingWebhookConfigurations =
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, []);

    public static readonly IReadOnlyList<ApiResource> BuiltIn =
    [
        Pods, Nodes, Namespaces, Services,
        new("", "v1", "configmaps", "ConfigMap", true, ["cm"]),
        new("", "v1", "secrets", "Secret", true, []),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"]),
        new("", "v1", "endpoints", "Endpoints", true, ["ep"]),
        new("", "v1", "events", "Event", true, ["ev"]),
        new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"]),
        new("", "v1", "persistentvolumes", "PersistentVolume", false, ["pv"]),
        new("", "v1", "resourcequotas", "ResourceQuota", true, ["quota"]),
        new("", "v1", "limitranges", "LimitRange", true, ["limits"]),
        Deployments, ReplicaSets, DaemonSets, StatefulSets,
        new("apps", "v1", "controllerrevisions", "ControllerRevision", true, []),
        Pdbs,
        new("batch", "v1", "jobs", "Job", true, [], ["all"]),
        new("batch", "v1", "cronjobs", "CronJob", true, ["cj"], ["all"]),
        new("networking.k8s.io", "v1", "ingresses", "Ingress", true, ["ing"]),
        new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, ["netpol"]),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", true, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, []),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, []),
        new("coordination.k8s.io", "v1", "leases", "Lease", true, []),
        new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, ["sc"]),
        ValidatingWebhookConfigurations,
        Crds,
    ];

    /// <summary>Subresources listed in discovery; pods/eviction must name policy/v1 Eviction or kubectl drain deletes instead.</summary>
    public static readonly IReadOnlyList<(ApiResource Parent, string Sub, string Kind, string Group, string Version, string[] Verbs)> Subresources =
    [
        (Pods, "eviction", "Eviction", "policy", "v1", ["create"]),
        (Pods, "status", "Pod", "", "", ["get", "patch", "update"]),
        (Nodes, "status", "Node", "", "", ["get", "patch", "update"]),
        (Deployments, "status", "Deployment", "", "", ["get", "patch", "update"]),
        (Deployments, "scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"]),
        (ReplicaSets, "status", "ReplicaSet", "", "", ["get", "patch", "update"]),
        (ReplicaSets, "scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"]),
        (StatefulSets, "scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"]),
        (DaemonSets, "status", "DaemonSet", "", "", ["get", "patch", "update"]),
        (Pdbs, "status", "PodDisruptionBudget", "", "", ["get", "patch", "update"]),
    ];

    private static readonly Dictionary<(string Group, string Version, string Name), ApiResource> ByPath =
        BuiltIn.ToDictionary(r => (r.Group, r.Version, r.Name));

    public static ApiResource? Find(string group, string version, string name) =>
        ByPath.GetValueOrDefault((group, version, name));

    public static ApiResource? FindKind(string group, string kind) =>
        BuiltIn.FirstOrDefault(r => r.Group == group && r.Kind == kind);
}
