using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Defender;

/// <summary>
/// The defender as a component clusters install: one ValidatingWebhookConfiguration that sends a cluster's destructive
/// requests to the portal's admission webhook, and the pipeline that releases it to a chosen set of clusters.
/// </summary>
public static class DefenderComponent
{
    public const string Name = "asiops-defender";
    public const string Namespace = "asiops-system";
    public const string Description =
        "The defender's admission webhook: every delete, eviction and scale-to-zero in the cluster is checked against the defender's budgets.";

    /// <summary>Where a cluster's API server sends its reviews, under the webhook's base URL.</summary>
    public static string WebhookPath(string cluster) => $"/admission/v1/defender/{cluster}";

    /// <summary>Deleted only within budget; persistentvolumeclaims too, because deleting one loses data.</summary>
    public static readonly IReadOnlyList<string> ProtectedCoreResources = ["pods", "services", "nodes", "namespaces", "persistentvolumeclaims"];
    public static readonly IReadOnlyList<string> ProtectedAppsResources = ["deployments", "statefulsets", "daemonsets", "replicasets"];

    /// <summary>Workloads whose replicas an update (or their <c>/scale</c>) may set to zero. DaemonSets have no replicas.</summary>
    public static readonly IReadOnlyList<string> ScalableResources = ["deployments", "statefulsets", "replicasets"];

    /// <summary>
    /// The API server's own controllers, left out where the cluster can leave them out (matchConditions, Kubernetes 1.30+):
    /// they delete what its owner's or namespace's deletion already decided, which was counted then.
    /// </summary>
    public static readonly IReadOnlyList<string> ExemptUsers =
    [
        "system:serviceaccount:kube-system:generic-garbage-collector",
        "system:serviceaccount:kube-system:namespace-controller",
    ];

    /// <summary>
    /// The component's manifests: one webhook for deletes and one for evictions (failurePolicy Fail: a delete the defender
    /// cannot review is refused), and one for updates of scalable workloads (failurePolicy Ignore: the defender must never be
    /// the thing that breaks a cluster, and a defender that is down would otherwise block every rollout). The URL keeps
    /// <see cref="Manifests.ClusterPlaceholder"/>, replaced by each cluster's name when applied, so one version serves every cluster.
    /// </summary>
    /// <param name="webhookBaseUrl">The listener's base URL as clusters reach it, e.g. https://portal.example.com:5443.</param>
    /// <param name="caBundle">Base64 of the PEM of the certificate the listener serves.</param>
    public static string Manifests(string webhookBaseUrl, string caBundle)
    {
        var url = webhookBaseUrl.TrimEnd('/') + WebhookPath(Catalog.Manifests.ClusterPlaceholder);
        var exemptions = string.Concat(ExemptUsers.Select((user, i) => $"""

                  - name: not-{user[(user.LastIndexOf(':') + 1)..]}
                    expression: "request.userInfo.username != '{user}'"
            """));
        string Webhook(string name, string failurePolicy, string rules) => $"""
              - name: {name}.defender.asiops.io
                clientConfig:
                  url: "{url}"
                  caBundle: {caBundle}
                failurePolicy: {failurePolicy}
                sideEffects: NoneOnDryRun
                admissionReviewVersions: [v1]
                timeoutSeconds: 5
                matchConditions:{exemptions}
                rules:
            {rules}
            """;
        static string Rule(string operation, string group, IEnumerable<string> resources) => $"""
                  - operations: [{operation}]
                    apiGroups: ["{group}"]
                    apiVersions: [v1]
                    resources: [{string.Join(", ", resources)}]
            """;

        return $"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata:
              name: {Name}
              labels:
                app.kubernetes.io/name: {Name}
                app.kubernetes.io/managed-by: asiops-portal
            webhooks:
            {Webhook("deletes", "Fail", Rule("DELETE", "", ProtectedCoreResources) + "\n" + Rule("DELETE", "apps", ProtectedAppsResources))}
            {Webhook("evictions", "Fail", Rule("CREATE", "", ["pods/eviction"]))}
            {Webhook("scale-to-zero", "Ignore", Rule("UPDATE", "apps", ScalableResources.Concat(ScalableResources.Select(r => r + "/scale"))))}
            """;
    }

    /// <summary>The label after the highest <c>major.minor.patch</c> among <paramref name="existing"/>: its next patch, or 1.0.0.</summary>
    public static string NextVersion(IEnumerable<string> existing)
    {
        var highest = existing.Select(v => System.Version.TryParse(v, out var parsed) && parsed.Build >= 0 && parsed.Revision < 0 ? parsed : null)
            .OfType<System.Version>().DefaultIfEmpty().Max();
        return highest is null ? "1.0.0" : $"{highest.Major}.{highest.Minor}.{highest.Build + 1}";
    }

    /// <summary>
    /// The pipeline that installs the defender on <paramref name="clusters"/>: one cluster per wave, least critical first —
    /// outside production before production, then by tier down to tier 0 last — the first a canary. One at a time keeps the
    /// default risk rules satisfied whatever the set (no wave holds more than one cluster of a region or of production), and
    /// costs little: the component is one object and converges when applied.
    /// </summary>
    public static PipelineDocument InstallPipeline(IEnumerable<ClusterFacts> clusters)
    {
        var waves = clusters
            .OrderBy(c => ApprovalPolicy.IsProduction(c.Environment))
            .ThenByDescending(c => c.Tier)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select((c, i) => new WaveSpec { Name = c.Name, Clusters = [c.Name], Canary = i == 0 })
            .ToList();
        return new PipelineDocument(Name, $"Installs the {Name} component: one cluster at a time, least critical first. Written by the portal when an install is proposed.",
            null, waves);
    }
}
