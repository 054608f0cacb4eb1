using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// The longest text the portal stores in each field people fill in, and the NUL rule PostgreSQL imposes on all text.
/// A column's own maximum (HasMaxLength) wins; this table covers the text columns that have none, so an over-long value
/// is refused with a sentence instead of growing without bound.
/// </summary>
public static partial class StoredText
{
    public const int ShortText = 200;
    public const int Text = 4_000;
    public const int LongText = 20_000;
    /// <summary>Kubernetes' longest name (a DNS subdomain).</summary>
    public const int KubernetesName = 253;
    /// <summary>A DNS label: the portal's own names (clusters, components, pipelines, policies, gates) and cluster places.</summary>
    public const int Name = 63;
    public const int Url = 2048;

    private static readonly Dictionary<(string Entity, string Property), int> Limits = new()
    {
        [("Change", "Title")] = ShortText,
        [("Change", "Reason")] = Text,
        [("Change", "RollbackPlan")] = LongText,
        [("Change", "ComponentName")] = Name,
        [("Change", "Version")] = 128,
        [("Change", "Namespace")] = Name,
        [("Change", "PipelineName")] = Name,
        [("Change", "Manifests")] = Manifests.MaxBytes,
        [("Approval", "Comment")] = Text,
        [("Component", "Description")] = Text,
        [("Component", "Owner")] = KubernetesName,
        [("ComponentVersion", "ReleaseNotes")] = LongText,
        [("Cluster", "ApiEndpoint")] = Url,
        [("Cluster", "KubeconfigContext")] = KubernetesName,
        [("ApiToken", "Name")] = ShortText,
        [("Pipeline", "Description")] = Text,
        [("SchedulerPolicy", "Description")] = Text,
        [("SchedulerPolicy", "Selector")] = Text,
        [("Gate", "Scope")] = Text,
        [("RiskRuleSetting", "Scope")] = Text,
        [("PortalUser", "DisplayName")] = ShortText,
    };

    /// <summary>The maximum length of a field: the column's own, else the table's; null when the portal itself writes it.</summary>
    public static int? MaxLength(string entity, string property, int? columnMaxLength) =>
        columnMaxLength ?? (Limits.TryGetValue((entity, property), out var limit) ? limit : null);

    /// <summary>What is wrong with storing <paramref name="value"/> in the field, in a sentence; null when nothing is.</summary>
    public static string? Problem(string entity, string property, string value, int? maxLength)
    {
        if (value.Contains('\0')) return $"{Describe(entity, property)} contains a NUL character (U+0000), which cannot be stored; remove it.";
        if (maxLength is { } max && value.Length > max) return $"{Describe(entity, property)} is longer than {max:N0} characters (it has {value.Length:N0}).";
        return null;
    }

    /// <summary>"Cluster", "RollbackPlan" → "Cluster rollback plan"; an Identity user is a "User".</summary>
    public static string Describe(string entity, string property)
    {
        var owner = entity == "PortalUser" ? "User" : Words(entity);
        return $"{owner} {Words(property).ToLowerInvariant()}";
    }

    private static string Words(string pascal) => WordBoundary().Replace(pascal, " $1").Trim();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex WordBoundary();
}
