using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;

namespace AsiOpsPortal.FleetSim.Admission;

/// <summary>
/// What one write asks of the admission chain, as kube-apiserver's admission attributes describe it.
/// <paramref name="NamespaceObject"/> is what namespaceSelector looks at: the namespace of a namespaced object, a
/// Namespace's own object, or null for other cluster-scoped objects (which every namespaceSelector matches).
/// </summary>
internal sealed record AdmissionRequest(
    string Operation, ApiResource Resource, string? Subresource, string? Namespace, string Name,
    JsonObject? Object, JsonObject? OldObject, JsonObject? NamespaceObject, bool DryRun, string UserAgent);
