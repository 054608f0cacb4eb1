namespace AsiOpsPortal.Core.Rollouts;

/// <summary>Names one Kubernetes object; <see cref="Namespace"/> is null for cluster-scoped kinds (and before defaulting).</summary>
public sealed record ObjectRef(string ApiVersion, string Kind, string Name, string? Namespace)
{
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind} {Namespace}/{Name}";
}
