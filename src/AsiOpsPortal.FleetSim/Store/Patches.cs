using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;

namespace AsiOpsPortal.FleetSim.Store;

/// <summary>The PATCH flavours the API server accepts, applied in place to a private copy of the live object.</summary>
internal static class Patches
{
    /// <summary>
    /// RFC 7386 merge patch; with <paramref name="strategic"/>, lists of objects merge by their key ("name", "containerPort"...)
    /// and $-directives are honoured or ignored, which covers what kubectl cordon, set image, label and edit send.
    /// </summary>
    public static void Merge(JsonObject target, JsonObject patch, bool strategic)
    {
        foreach (var (key, value) in patch)
        {
            if (strategic && key.StartsWith('$')) continue; // $setElementOrder, $retainKeys: ordering hints only
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject po && target[key] is JsonObject to)
            {
                if (strategic && po.Str("$patch") == "replace")
                {
                    var replacement = po.Clone();
                    replacement.Remove("$patch");
                    target[key] = replacement;
                }
                else
                {
                    Merge(to, po, strategic);
                }
            }
            else if (strategic && value is JsonArray pa && target[key] is JsonArray ta && MergeKey(pa) is { } mergeKey)
            {
                MergeList(ta, pa, mergeKey, strategic);
            }
            else
            {
                var clone = value.DeepClone();
                if (clone is JsonObject co) StripNulls(co);
                target[key] = clone;
            }
        }
    }

    /// <summary>Associative lists in Kubernetes are keyed by one of these fields; lists without one are atomic.</summary>
    public static string? MergeKey(JsonArray list)
    {
        if (list.Count == 0 || list.Any(i => i is not JsonObject)) return null;
        foreach (var key in (string[])["name", "containerPort", "mountPath", "type", "ip"])
        {
            if (list.All(i => i![key] is not null)) return key;
        }
        return null;
    }

    public static void MergeList(JsonArray target, JsonArray patch, string key, bool strategic)
    {
        foreach (var item in patch.OfType<JsonObject>())
        {
            var id = item[key]?.ToJsonString();
            var existing = target.OfType<JsonObject>().FirstOrDefault(t => t[key]?.ToJsonString() == id);
            if (strategic && item.Str("$patch") == "delete")
            {
                if (existing is not null) target.Remove(existing);
            }
            else if (existing is not null)
            {
                Merge(existing, item, strategic);
            }
            else
            {
                var clone = item.Clone();
                clone.Remove("$patch");
                target.Add(clone);
            }
        }
    }

    private static void StripNulls(JsonObject o)
    {
        foreach (var key in o.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) o.Remove(key);
        foreach (var (_, v) in o) if (v is JsonObject child) StripNulls(child);
    }

    /// <summary>RFC 6902 JSON patch: add, remove, replace, test, copy and move over JSON pointers.</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray ops)
    {
        JsonNode root = target;
        foreach (var op in ops.OfType<JsonObject>())
        {
            var path = op.Str("path") ?? throw ApiException.BadRequest("json patch operation without path");
            switch (op.Str("op"))
            {
                case "add": Set(root, path, op["value"]?.DeepClone(), insert: true); break;
                case "replace": Get(root, path); Set(root, path, op["value"]?.DeepClone(), insert: false); break;
                case "remove": Remove(root, path); break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    break;
                case "copy": Set(root, path, Get(root, op.Str("from") ?? "")?.DeepClone(), insert: true); break;
                case "move":
                    var from = op.Str("from") ?? "";
                    var moved = Get(root, from)?.DeepClone();
                    Remove(root, from);
                    Set(root, path, moved, insert: true);
                    break;
                default: throw ApiException.BadRequest($"unknown json patch operation '{op.Str("op")}'");
            }
        }
        return target;
    }

    private static string[] Pointer(string path) =>
        path.Split('/').Skip(1).Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();

    private static JsonNode? Get(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var part in Pointer(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(part, out var v) => v,
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request: path {path} does not exist"),
            };
        }
        return node;
    }

    private static void Set(JsonNode root, string path, JsonNode? value, bool insert)
    {
        var parts = Pointer(path);
        var parent = parts.Length == 1 ? root : Get(root, "/" + string.Join('/', parts[..^1].Select(Escape)));
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i):
                if (insert) a.Insert(i, value);
                else a[i] = value;
                break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request: cannot set {path}");
        }
    }

    private static void Remove(JsonNode root, string path)
    {
        var parts = Pointer(path);
        var parent = parts.Length == 1 ? root : Get(root, "/" + string.Join('/', parts[..^1].Select(Escape)));
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(parts[^1]): o.Remove(parts[^1]); break;
            case JsonArray a when int.TryParse(parts[^1], out var i) && i < a.Count: a.RemoveAt(i); break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request: path {path} does not exist");
        }
    }

    private static string Escape(string part) => part.Replace("~", "~0").Replace("/", "~1");
}
