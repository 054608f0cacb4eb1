using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>
/// Discovery documents (legacy, non-aggregated: kubectl falls back to them when the aggregated media type is not
/// answered) and the minimal OpenAPI v3 that tells kubectl every PATCH supports fieldValidation, so kubectl leaves
/// validation to the server instead of downloading a full schema.
/// </summary>
internal static class Discovery
{
    private static readonly string[] GroupOrder =
        ["apps", "policy", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "coordination.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io"];

    public static JsonObject Version(SimClusterInfo info)
    {
        var parts = info.KubernetesVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = parts[0],
            ["minor"] = parts.Length > 1 ? parts[1] : "0",
            ["gitVersion"] = info.KubernetesVersion,
            ["gitCommit"] = Json.Hash(info.KubernetesVersion).ToString("x16"),
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2025-01-15T08:00:00Z",
            ["goVersion"] = "go1.23.4",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string host) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = host }),
    };

    private static IEnumerable<IGrouping<string, ApiResource>> Groups(IReadOnlyList<ApiResource> resources) =>
        resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group)
            .OrderBy(g => Array.IndexOf(GroupOrder, g.Key) is var i && i < 0 ? int.MaxValue : i).ThenBy(g => g.Key, StringComparer.Ordinal);

    public static JsonObject GroupList(IReadOnlyList<ApiResource> resources) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups(resources).Select(g => (JsonNode)Group(g.Key, g)).ToArray()),
    };

    public static JsonObject? Group(string name, IReadOnlyList<ApiResource> resources)
    {
        var members = resources.Where(r => r.Group == name).ToList();
        return members.Count == 0 ? null : Group(name, members);
    }

    private static JsonObject Group(string name, IEnumerable<ApiResource> members)
    {
        var versions = members.Select(r => r.Version).Distinct().OrderDescending(StringComparer.Ordinal).ToList();
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject? ResourceList(string group, string version, IReadOnlyList<ApiResource> resources)
    {
        var members = resources.Where(r => r.Group == group && r.Version == version).ToList();
        if (members.Count == 0) return null;
        var list = new JsonArray();
        foreach (var r in members)
        {
            var entry = new JsonObject
            {
                ["name"] = r.Name,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray(ResourceCatalog.AllVerbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (r.ShortNames.Length > 0) entry["shortNames"] = new JsonArray(r.ShortNames.Select(s => (JsonNode)s).ToArray());
            if (r.Categories is { Length: > 0 }) entry["categories"] = new JsonArray(r.Categories.Select(s => (JsonNode)s).ToArray());
            list.Add(entry);
            foreach (var sub in ResourceCatalog.Subresources.Where(s => s.Parent == r))
            {
                var subEntry = new JsonObject
                {
                    ["name"] = $"{r.Name}/{sub.Sub}",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = sub.Kind,
                    ["verbs"] = new JsonArray(sub.Verbs.Select(v => (JsonNode)v).ToArray()),
                };
                if (sub.Group.Length > 0 || sub.Version.Length > 0)
                {
                    subEntry["group"] = sub.Group;
                    subEntry["version"] = sub.Version;
                }
                list.Add(subEntry);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }

    private static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    /// <summary>
    /// The OpenAPI v3 root. kubectl resolves serverRelativeURL against the server's root, dropping the server URL's
    /// path, so the cluster prefix has to be part of each URL.
    /// </summary>
    public static JsonObject OpenApiRoot(string prefix, IReadOnlyList<ApiResource> resources)
    {
        var paths = new JsonObject();
        foreach (var gv in resources.Select(r => (r.Group, r.Version)).Distinct())
        {
            var path = GroupVersionPath(gv.Group, gv.Version);
            var hash = Json.Hash([.. resources.Where(r => r.Group == gv.Group && r.Version == gv.Version).Select(r => r.Kind)]).ToString("X16");
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"{prefix}/openapi/v3/{path}?hash={hash}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>One PATCH operation per kind, tagged with its group-version-kind and the query parameters kubectl probes for.</summary>
    public static JsonObject? OpenApiGroupVersion(string group, string version, IReadOnlyList<ApiResource> resources)
    {
        var members = resources.Where(r => r.Group == group && r.Version == version).ToList();
        if (members.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var r in members)
        {
            var collection = r.Namespaced
                ? $"/{GroupVersionPath(group, version)}/namespaces/{{namespace}}/{r.Name}"
                : $"/{GroupVersionPath(group, version)}/{r.Name}";
            // kubectl looks for the parameters on the operation itself, not on the path item.
            paths[collection + "/{name}"] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{r.Kind}",
                    ["parameters"] = new JsonArray(
                        Parameter("dryRun"), Parameter("fieldManager"), Parameter("fieldValidation"), Parameter("force")),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = r.Kind },
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Parameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = name == "force" ? "boolean" : "string", ["uniqueItems"] = true },
    };
}
