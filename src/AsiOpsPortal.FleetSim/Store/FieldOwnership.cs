using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;

namespace AsiOpsPortal.FleetSim.Store;

/// <summary>The fields one manager owns on one object, as a set of field paths (FieldsV1 segments joined by a separator).</summary>
internal sealed record FieldManager(string Name, string Operation, string ApiVersion, DateTimeOffset Time, IReadOnlySet<string> Paths)
{
    public string Key => $"{Name}\n{Operation}";
}

/// <summary>
/// Server-side apply bookkeeping. Paths use the FieldsV1 vocabulary (f:field, k:{"name":"x"}, "." for a list item itself)
/// so managedFields render as a real API server would, and conflicts can be reported with the same field notation.
/// </summary>
internal static class FieldOwnership
{
    private const char Separator = '\u001f';
    private const string ItemMarker = ".";

    private static readonly HashSet<string> IgnoredTopLevel = ["apiVersion", "kind", "status"];

    private static readonly HashSet<string> IgnoredMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
        "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName",
    ];

    /// <summary>Every owned field path of an object with the value found there (null for list-item markers).</summary>
    public static Dictionary<string, JsonNode?> Flatten(JsonObject obj)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (IgnoredTopLevel.Contains(key) || value is null) continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (mk, mv) in meta)
                {
                    if (!IgnoredMetadata.Contains(mk) && mv is not null) Walk(mv, $"f:metadata{Separator}f:{mk}", result);
                }
                continue;
            }
            Walk(value, "f:" + key, result);
        }
        return result;
    }

    private static void Walk(JsonNode node, string path, Dictionary<string, JsonNode?> result)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (k, v) in o) if (v is not null) Walk(v, $"{path}{Separator}f:{k}", result);
                break;
            case JsonArray a when Patches.MergeKey(a) is { } key:
                foreach (var item in a.OfType<JsonObject>())
                {
                    var itemPath = $"{path}{Separator}k:{new JsonObject { [key] = item[key]!.DeepClone() }.ToJsonString()}";
                    result[itemPath + Separator + ItemMarker] = null;
                    Walk(item, itemPath, result);
                }
                break;
            default:
                result[path] = node;
                break;
        }
    }

    /// <summary>
    /// Applies <paramref name="applied"/> for <paramref name="manager"/>: conflicts with other managers' differing values
    /// fail unless forced, fields this manager stopped applying are removed, and the manager now owns exactly what it applied.
    /// </summary>
    public static (JsonObject Merged, Dictionary<string, FieldManager> Managers) Apply(
        JsonObject? live, IReadOnlyDictionary<string, FieldManager> managers, JsonObject applied,
        string manager, bool force, DateTimeOffset now, string apiVersion)
    {
        var appliedFields = Flatten(applied);
        var liveFields = live is null ? [] : Flatten(live);
        var others = managers.Values.Where(m => m.Name != manager).ToList();

        var conflicts = new List<(FieldManager Owner, string Path)>();
        foreach (var (path, value) in appliedFields)
        {
            if (path.EndsWith(ItemMarker, StringComparison.Ordinal)) continue; // co-owning a list item never conflicts
            foreach (var other in others)
            {
                if (other.Paths.Contains(path) && liveFields.TryGetValue(path, out var current) && !JsonNode.DeepEquals(current, value))
                    conflicts.Add((other, path));
            }
        }
        if (conflicts.Count > 0 && !force) throw Conflict(conflicts);

        var result = managers.ToDictionary(m => m.Key, m => m.Value);
        foreach (var owner in conflicts.Select(c => c.Owner).Distinct())
        {
            var taken = conflicts.Where(c => c.Owner == owner).Select(c => c.Path).ToHashSet();
            Replace(result, owner with { Paths = owner.Paths.Where(p => !taken.Contains(p)).ToHashSet() });
        }

        var merged = live?.Clone() ?? new JsonObject();
        var previous = managers.Values.Where(m => m.Name == manager && m.Operation == "Apply").SelectMany(m => m.Paths);
        var stale = previous
            .Where(p => !appliedFields.ContainsKey(p) && !result.Values.Any(o => o.Name != manager && o.Paths.Contains(p)))
            .OrderByDescending(p => p.Length); // leaves before the list items that hold them
        foreach (var path in stale) RemovePath(merged, path.Split(Separator));

        var body = applied.Clone();
        body.Remove("status");
        Patches.Merge(merged, body, strategic: true);
        Replace(result, new FieldManager(manager, "Apply", apiVersion, now, appliedFields.Keys.ToHashSet()));
        return (merged, result);
    }

    /// <summary>A non-apply write: the writer takes ownership of every field it changed; removed fields lose their owners.</summary>
    public static Dictionary<string, FieldManager> Update(
        JsonObject? old, JsonObject updated, IReadOnlyDictionary<string, FieldManager> managers,
        string manager, DateTimeOffset now, string apiVersion)
    {
        var before = old is null ? [] : Flatten(old);
        var after = Flatten(updated);
        var changed = after.Where(kv => !before.TryGetValue(kv.Key, out var v) || !JsonNode.DeepEquals(v, kv.Value))
            .Select(kv => kv.Key).ToHashSet();
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToHashSet();
        var result = managers.ToDictionary(m => m.Key, m => m.Value);
        if (changed.Count == 0 && removed.Count == 0) return result;

        foreach (var m in managers.Values)
        {
            Replace(result, m with { Paths = m.Paths.Where(p => !changed.Contains(p) && !removed.Contains(p)).ToHashSet() });
        }
        var mine = result.GetValueOrDefault($"{manager}\nUpdate")?.Paths ?? new HashSet<string>();
        Replace(result, new FieldManager(manager, "Update", apiVersion, now, mine.Union(changed).ToHashSet()));
        return result;
    }

    private static void Replace(Dictionary<string, FieldManager> managers, FieldManager m)
    {
        if (m.Paths.Count == 0) managers.Remove(m.Key);
        else managers[m.Key] = m;
    }

    /// <summary>metadata.managedFields in FieldsV1 form.</summary>
    public static JsonArray Render(IEnumerable<FieldManager> managers)
    {
        var list = new JsonArray();
        foreach (var m in managers.OrderBy(m => m.Time).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            var tree = new JsonObject();
            foreach (var path in m.Paths.Order(StringComparer.Ordinal))
            {
                var node = tree;
                foreach (var segment in path.Split(Separator)) node = node.Child(segment);
            }
            list.Add(new JsonObject
            {
                ["manager"] = m.Name,
                ["operation"] = m.Operation,
                ["apiVersion"] = m.ApiVersion,
                ["time"] = Json.Time(m.Time),
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = tree,
            });
        }
        return list;
    }

    private static void RemovePath(JsonObject root, string[] segments) => RemoveIn(root, segments, 0);

    private static void RemoveIn(JsonNode? node, string[] segments, int i)
    {
        var segment = segments[i];
        var last = i == segments.Length - 1;
        if (segment.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o)
        {
            var name = segment[2..];
            if (last)
            {
                o.Remove(name);
                return;
            }
            var child = o[name];
            RemoveIn(child, segments, i + 1);
            if (i > 0 && child is JsonObject { Count: 0 }) o.Remove(name); // keep top-level spec/metadata even when emptied
        }
        else if (segment.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray a && !last)
        {
            var key = JsonNode.Parse(segment[2..]) as JsonObject;
            var item = a.OfType<JsonObject>().FirstOrDefault(it => key!.All(k => JsonNode.DeepEquals(it[k.Key], k.Value)));
            if (item is null) return;
            if (segments[i + 1] == ItemMarker) a.Remove(item);
            else RemoveIn(item, segments, i + 1);
        }
    }

    private static ApiException Conflict(List<(FieldManager Owner, string Path)> conflicts)
    {
        var causes = new JsonArray();
        var lines = new List<string>();
        foreach (var (owner, path) in conflicts)
        {
            var field = Display(path);
            var message = $"conflict with \"{owner.Name}\" using {owner.ApiVersion}";
            causes.Add(new JsonObject { ["reason"] = "FieldManagerConflict", ["message"] = message, ["field"] = field });
            lines.Add($"{message}: {field}");
        }
        var noun = conflicts.Count == 1 ? "conflict" : "conflicts";
        var text = conflicts.Count == 1
            ? $"Apply failed with 1 conflict: {lines[0]}"
            : $"Apply failed with {conflicts.Count} {noun}: {string.Join("\n", lines)}";
        return new ApiException(409, "Conflict", text, new JsonObject { ["causes"] = causes });
    }

    /// <summary>The field notation kubectl prints: .spec.template.spec.containers[name="web"].image.</summary>
    private static string Display(string path)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var segment in path.Split(Separator))
        {
            if (segment.StartsWith("f:", StringComparison.Ordinal)) sb.Append('.').Append(segment[2..]);
            else if (segment.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(segment[2..]) is JsonObject key)
                sb.Append('[').Append(string.Join(",", key.Select(k => $"{k.Key}={k.Value!.ToJsonString()}"))).Append(']');
        }
        return sb.ToString();
    }
}
