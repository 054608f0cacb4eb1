using System.Collections.Concurrent;

namespace AsiOpsPortal.Kubernetes;

/// <summary>The REST resource that serves a kind in one group/version: where requests for its objects go.</summary>
internal sealed record ServedResource(string Group, string Version, string Plural, bool Namespaced);

/// <summary>
/// What one cluster serves, learned from API discovery one apiVersion at a time. A kind we have not seen is looked up
/// again rather than assumed missing, so a CRD installed a moment ago is found.
/// </summary>
internal sealed class ServedResources
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, ServedResource>> _byApiVersion = new(StringComparer.Ordinal);

    public ServedResource? Find(string apiVersion, string kind) =>
        _byApiVersion.TryGetValue(apiVersion, out var kinds) ? kinds.GetValueOrDefault(kind) : null;

    public void Remember(string apiVersion, IReadOnlyDictionary<string, ServedResource> kinds) => _byApiVersion[apiVersion] = kinds;

    /// <summary>"apps/v1" → (apps, v1); "v1" → ("", v1), the core group; anything else is no apiVersion at all.</summary>
    public static (string Group, string Version)? Split(string apiVersion) => apiVersion.Split('/') switch
    {
        [var version] when version.Length > 0 => ("", version),
        [var group, var version] when group.Length > 0 && version.Length > 0 => (group, version),
        _ => null,
    };
}
