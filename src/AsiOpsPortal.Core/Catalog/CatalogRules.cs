using System.Text.RegularExpressions;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>Pure rules about the component catalog: what a valid component, version and set of objects is.</summary>
public static partial class CatalogRules
{
    public const int MaxNameLength = 63;
    public const int MaxVersionLength = 128;
    public const int MaxDescriptionLength = 1000;
    public const int MaxOwnerLength = 256;
    public const int MaxReleaseNotesLength = 10_000;

    /// <summary>Names the portal's own addresses take (<c>/components/new</c>), so no component can hide behind them.</summary>
    public static readonly IReadOnlyList<string> ReservedNames = ["new"];

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\z")]
    private static partial Regex VersionLabel();

    /// <summary>What is wrong with a component name, or null when it is valid.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrEmpty(name) ? "Name is required: 1-63 lowercase letters, digits or '-' (e.g. web-frontend)."
        : !DnsLabel().IsMatch(name) ? $"Name '{name}' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit."
        : ReservedNames.Contains(name) ? $"Name '{name}' is reserved; choose another."
        : null;

    /// <summary>What is wrong with a namespace, or null when it is valid.</summary>
    public static string? NamespaceProblem(string? @namespace) =>
        string.IsNullOrEmpty(@namespace) ? "Namespace is required: where objects that name none are applied (e.g. web)."
        : !DnsLabel().IsMatch(@namespace) ? $"Namespace '{@namespace}' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit."
        : null;

    /// <summary>What is wrong with a version label, or null when it is valid.</summary>
    public static string? VersionProblem(string? version) =>
        string.IsNullOrEmpty(version) ? "Version is required (e.g. 1.27.0)."
        : !VersionLabel().IsMatch(version) ? $"Version '{Shorten(version)}' must be 1-{MaxVersionLength} letters, digits, '.', '_', '+' or '-', starting with a letter or digit."
        : null;

    /// <summary>Every problem with a new component, in words the person can act on. Empty when valid.</summary>
    public static IReadOnlyList<string> ValidateComponent(string? name, string? @namespace, string? description, string? owner)
    {
        var errors = new List<string>();
        if (NameProblem(name) is { } nameProblem) errors.Add(nameProblem);
        if (NamespaceProblem(@namespace) is { } namespaceProblem) errors.Add(namespaceProblem);
        if ((description?.Length ?? 0) > MaxDescriptionLength) errors.Add($"Description must be at most {MaxDescriptionLength} characters.");
        if ((owner?.Length ?? 0) > MaxOwnerLength) errors.Add($"Owner must be at most {MaxOwnerLength} characters.");
        return errors;
    }

    /// <summary>Every problem with a new version's label and notes. Empty when valid; the manifests are checked on their own.</summary>
    public static IReadOnlyList<string> ValidateVersion(string? version, string? releaseNotes)
    {
        var errors = new List<string>();
        if (VersionProblem(version) is { } versionProblem) errors.Add(versionProblem);
        if ((releaseNotes?.Length ?? 0) > MaxReleaseNotesLength) errors.Add($"Release notes must be at most {MaxReleaseNotesLength} characters.");
        return errors;
    }

    /// <summary>
    /// Objects a version may not hold: none at all, or the same object twice (the second apply would silently undo the
    /// first). Objects without a namespace land in the component's, so they clash with ones that name it.
    /// </summary>
    public static IReadOnlyList<string> ValidateObjects(IReadOnlyList<ManifestObject> objects, string componentNamespace)
    {
        if (objects.Count == 0) return ["The manifests contain no Kubernetes objects."];
        var errors = new List<string>();
        var seen = new Dictionary<(string Group, string Kind, string Namespace, string Name), ManifestObject>();
        foreach (var o in objects)
        {
            var key = (GroupOf(o.ApiVersion), o.Kind, o.Namespace ?? componentNamespace, o.Name);
            if (seen.TryGetValue(key, out var first))
                errors.Add($"Document {o.Document} (line {o.Line}): {o.Kind} {o.Name} is already defined in document {first.Document} (line {first.Line}).");
            else
                seen[key] = o;
        }
        return errors;
    }

    private static string GroupOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.LastIndexOf('/')] : "";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
