using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>
/// One Kubernetes object from a multi-document YAML manifest set. <see cref="Document"/> (1-based) and
/// <see cref="Line"/> say where it came from; <see cref="Json"/> is the object as compact JSON.
/// </summary>
public sealed record ManifestObject(int Document, int Line, string ApiVersion, string Kind, string Name, string? Namespace, string Json)
{
    public ObjectRef Ref => new(ApiVersion, Kind, Name, Namespace);
}

/// <summary>Manifests we cannot use; the message names the document and line and says what to fix.</summary>
public sealed class ManifestException(string message) : Exception(message);
