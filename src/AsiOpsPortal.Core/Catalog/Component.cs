namespace AsiOpsPortal.Core.Catalog;

/// <summary>A named set of Kubernetes manifests that is released to the fleet, version by version.</summary>
public class Component
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    /// <summary>Where its namespaced objects go when a manifest does not say.</summary>
    public required string Namespace { get; set; }
    public string Owner { get; set; } = "";
    public string Description { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public List<ComponentVersion> Versions { get; set; } = [];
}

/// <summary>One immutable release of a component: its manifests exactly as uploaded.</summary>
public class ComponentVersion
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ComponentId { get; set; }
    public required string Version { get; set; }
    /// <summary>Multi-document YAML, validated on upload.</summary>
    public required string Manifests { get; set; }
    public string ReleaseNotes { get; set; } = "";
    /// <summary>Digest of the normalised objects, so a re-upload of the same content is recognisable.</summary>
    public string Digest { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Which version of a component a cluster runs, as of its last successful apply.</summary>
public class ClusterRelease
{
    public Guid ClusterId { get; set; }
    public Guid ComponentId { get; set; }
    public Guid VersionId { get; set; }
    public required string Version { get; set; }
    /// <summary>The change that applied it (null when recorded by other means).</summary>
    public long? ChangeId { get; set; }
    public DateTimeOffset AppliedAt { get; set; }
    /// <summary>What a drift check found different on the cluster, or null when it matches.</summary>
    public string? Drift { get; set; }
    public DateTimeOffset? DriftCheckedAt { get; set; }
}
