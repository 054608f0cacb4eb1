using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Web.Catalog;

/// <summary>What a person (or script) provides to add a component. Owner defaults to whoever adds it.</summary>
public sealed record ComponentRegistration(string Name, string Namespace, string? Description, string? Owner = null);

/// <summary>A new version: its label, the multi-document YAML as one string, and notes for the people who release it.</summary>
public sealed record VersionUpload(string Version, string Manifests, string? ReleaseNotes = null);

public sealed record ComponentQuery(string? Search = null, int Page = 0, int PageSize = 50);

/// <summary>How many clusters run one version of a component.</summary>
public sealed record VersionUsage(string Version, int Clusters);

public sealed record ComponentSummary(
    string Name,
    string Namespace,
    string Description,
    string Owner,
    DateTimeOffset CreatedAt,
    string? LatestVersion,
    DateTimeOffset? LatestVersionAt,
    int Versions,
    int Clusters,
    IReadOnlyList<VersionUsage> RunningVersions);

public sealed record ComponentListing(IReadOnlyList<ComponentSummary> Items, int Total);

/// <summary>One version in a component's history, without its manifests.</summary>
public sealed record VersionRow(string Version, string ReleaseNotes, string Digest, string CreatedBy, DateTimeOffset CreatedAt, int Clusters);

/// <summary>A component with its versions, newest first.</summary>
public sealed record ComponentDetails(
    string Name,
    string Namespace,
    string Description,
    string Owner,
    DateTimeOffset CreatedAt,
    string? LatestVersion,
    IReadOnlyList<VersionRow> Versions);

/// <summary>One object a version holds, as a person would name it.</summary>
public sealed record VersionObject(string ApiVersion, string Kind, string Name, string? Namespace);

public sealed record ComponentVersionDetails(
    string Component,
    string Version,
    string ReleaseNotes,
    string Digest,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    IReadOnlyList<VersionObject> Objects,
    IReadOnlyList<string> Images,
    string Manifests);

/// <summary>What changed from one version of a component to another.</summary>
public sealed record ComponentDiffView(string Component, string From, string To, ManifestDiff Diff);

/// <summary>Which version of a component one cluster runs, and whether the cluster still matches it.</summary>
public sealed record ClusterReleaseRow(string Cluster, string Environment, string Version, DateTimeOffset AppliedAt, string? Drift, DateTimeOffset? DriftCheckedAt)
{
    public bool Drifted => Drift is not null;
}
