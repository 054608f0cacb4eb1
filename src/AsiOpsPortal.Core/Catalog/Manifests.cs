using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Documents;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>Reads, orders and fingerprints the Kubernetes objects a component ships as YAML.</summary>
public static class Manifests
{
    public const int MaxBytes = YamlToJson.MaxBytes;

    // Manifests are not HTML: keep non-ASCII text and characters like < readable in the JSON we store and send.
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Parses multi-document YAML (or JSON). Every document must parse and carry apiVersion, kind and metadata.name;
    /// empty documents (e.g. after a trailing ---) are skipped and a <c>kind: List</c> contributes its items. Throws
    /// <see cref="ManifestException"/> naming the document (1-based) and line.
    /// </summary>
    public static IReadOnlyList<ManifestObject> Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var size = Encoding.UTF8.GetByteCount(yaml);
        if (size > MaxBytes)
            throw new ManifestException(string.Create(CultureInfo.InvariantCulture,
                $"The manifests are {size:N0} bytes, over the limit of {MaxBytes:N0} bytes (1 MiB). Split them into several components, or keep bulky data out of them."));

        var objects = new List<ManifestObject>();
        foreach (var document in ReadYaml(yaml))
        {
            if (document.Root is null) continue;
            objects.AddRange(ObjectsIn(document));
        }
        if (objects.Count == 0) throw new ManifestException("The manifests contain no Kubernetes objects.");
        RefuseDuplicates(objects);
        return objects;
    }

    private static IReadOnlyList<YamlJsonDocument> ReadYaml(string yaml)
    {
        try
        {
            return YamlToJson.Read(yaml);
        }
        catch (YamlSyntaxException e)
        {
            throw new ManifestException($"Document {e.Document} (line {e.Line}, column {e.Column}): {e.Message}");
        }
    }

    /// <summary>
    /// Namespaces and CustomResourceDefinitions first, then configuration (ServiceAccounts, ConfigMaps, Secrets, RBAC,
    /// Services, ...), then what runs containers (Deployments, DaemonSets, StatefulSets, Jobs, CronJobs); stable within a rank.
    /// </summary>
    public static IReadOnlyList<ManifestObject> InApplyOrder(IEnumerable<ManifestObject> objects) =>
        objects.OrderBy(o => Kinds.ApplyRank(o.Kind)).ToList();

    /// <summary>
    /// Hex SHA-256 of the objects as canonical JSON (keys sorted, objects sorted), so edits to whitespace, comments,
    /// key order or document order give the same digest and any change to content gives another.
    /// </summary>
    public static string Digest(IReadOnlyList<ManifestObject> objects)
    {
        var canonical = objects.Select(o => Canonical(JsonNode.Parse(o.Json))).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', canonical))));
    }

    /// <summary>The container images the objects run ("nginx:1.27"), in order of first appearance, each once.</summary>
    public static IReadOnlyList<string> Images(IReadOnlyList<ManifestObject> objects) =>
        objects.SelectMany(o => Kinds.ImagesOf(o.Kind, ParseObject(o))).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Places a namespaced object that names no namespace in <paramref name="ns"/>; others are returned unchanged.</summary>
    public static ManifestObject WithNamespace(this ManifestObject o, string ns)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ns);
        if (o.Namespace is not null || Kinds.IsClusterScoped(o.Kind)) return o;
        var obj = ParseObject(o);
        MetadataOf(obj)["namespace"] = ns;
        return o with { Namespace = ns, Json = obj.ToJsonString(CompactJson) };
    }

    /// <summary>
    /// Written in a manifest, replaced by the name of the cluster it is applied to (at apply and at drift check): how one
    /// version of a component carries a per-cluster value, such as the defender webhook's URL.
    /// </summary>
    public const string ClusterPlaceholder = "${ASIOPS_CLUSTER}";

    /// <summary>The object as applied to <paramref name="cluster"/>: <see cref="ClusterPlaceholder"/> replaced by its name.</summary>
    public static ManifestObject ForCluster(this ManifestObject o, string cluster)
    {
        // Cluster names are DNS labels: nothing in them needs escaping in JSON.
        if (!o.Json.Contains(ClusterPlaceholder, StringComparison.Ordinal)) return o;
        return o with
        {
            Name = o.Name.Replace(ClusterPlaceholder, cluster, StringComparison.Ordinal),
            Namespace = o.Namespace?.Replace(ClusterPlaceholder, cluster, StringComparison.Ordinal),
            Json = o.Json.Replace(ClusterPlaceholder, cluster, StringComparison.Ordinal),
        };
    }

    /// <summary>Adds (or overwrites) metadata.annotations entries; the object's other annotations stay.</summary>
    public static ManifestObject WithAnnotations(this ManifestObject o, IReadOnlyDictionary<string, string> annotations)
    {
        if (annotations.Count == 0) return o;
        var obj = ParseObject(o);
        var metadata = MetadataOf(obj);
        if (metadata["annotations"] is not JsonObject existing)
        {
            existing = new JsonObject();
            metadata["annotations"] = existing;
        }
        foreach (var (key, value) in annotations) existing[key] = value;
        return o with { Json = obj.ToJsonString(CompactJson) };
    }

    private static List<ManifestObject> ObjectsIn(YamlJsonDocument document)
    {
        if (document.Root is not JsonObject root)
            throw Problem(document, "", $"expected a Kubernetes object (a mapping with apiVersion, kind and metadata), but found {Describe(document.Root)}.");
        // kubectl accepts a v1 List (what `kubectl get -o yaml` prints for several objects): its items are the objects.
        if (root["kind"]?.GetValueKind() == JsonValueKind.String && (string?)root["kind"] == "List" && root["items"] is JsonArray items)
        {
            return items.Select((item, i) => item is JsonObject obj
                    ? ToObject(document, obj, $"/items/{i}", $"items[{i}]: ")
                    : throw Problem(document, $"/items/{i}", $"items[{i}]: expected a Kubernetes object, but found {Describe(item)}."))
                .ToList();
        }
        return [ToObject(document, root, "", "")];
    }

    private static ManifestObject ToObject(YamlJsonDocument document, JsonObject obj, string path, string context)
    {
        var apiVersion = RequiredText(document, obj, path, "apiVersion", "apiVersion", context);
        var kind = RequiredText(document, obj, path, "kind", "kind", context);
        if (obj["metadata"] is not JsonObject metadata)
        {
            throw obj["metadata"] is null
                ? Problem(document, path, $"{context}metadata.name is missing.")
                : Problem(document, $"{path}/metadata", $"{context}metadata must be a mapping, but it is {Describe(obj["metadata"])}.");
        }
        if (metadata["name"] is null && metadata["generateName"] is not null)
            throw Problem(document, $"{path}/metadata", $"{context}metadata.name is missing; generateName cannot be used, because applying needs a fixed name.");
        var name = RequiredText(document, metadata, $"{path}/metadata", "name", "metadata.name", context);
        string? ns = null;
        if (metadata["namespace"] is { } nsNode)
        {
            if (nsNode.GetValueKind() != JsonValueKind.String)
                throw Problem(document, $"{path}/metadata/namespace", $"{context}metadata.namespace must be text, but it is {Describe(nsNode)}.");
            ns = (string?)nsNode is { Length: > 0 } given ? given : null;
        }
        return new ManifestObject(document.Number, LineOf(document, path), apiVersion, kind, name, ns, obj.ToJsonString(CompactJson));
    }

    private static string RequiredText(YamlJsonDocument document, JsonObject parent, string parentPath, string key, string field, string context)
    {
        var value = parent[key];
        if (value is null) throw Problem(document, parentPath, $"{context}{field} is missing.");
        if (value.GetValueKind() != JsonValueKind.String)
            throw Problem(document, $"{parentPath}/{key}", $"{context}{field} must be text, but it is {Describe(value)}.");
        var text = (string)value!;
        return text.Length > 0 ? text : throw Problem(document, $"{parentPath}/{key}", $"{context}{field} is empty.");
    }

    private static void RefuseDuplicates(IEnumerable<ManifestObject> objects)
    {
        var seen = new Dictionary<(string Kind, string? Namespace, string Name), ManifestObject>();
        foreach (var o in objects)
        {
            if (seen.TryGetValue((o.Kind, o.Namespace, o.Name), out var first))
                throw new ManifestException($"Document {o.Document} (line {o.Line}): {o.Ref} is defined twice; document {first.Document} (line {first.Line}) defines it too.");
            seen[(o.Kind, o.Namespace, o.Name)] = o;
        }
    }

    private static ManifestException Problem(YamlJsonDocument document, string path, string message) =>
        new($"Document {document.Number} (line {LineOf(document, path)}): {message}");

    /// <summary>The line of the value at <paramref name="path"/>, or of its nearest ancestor we know the place of.</summary>
    private static int LineOf(YamlJsonDocument document, string path)
    {
        for (var current = path; current.Length > 0; current = current[..current.LastIndexOf('/')])
            if (document.Positions.TryGetValue(current, out var mark)) return (int)mark.Line;
        return (int)document.Start.Line;
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "empty",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "a mapping",
        JsonValueKind.String => $"the text '{(string?)node}'",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {node.ToJsonString()}",
        _ => $"the number {node.ToJsonString()}",
    };

    private static JsonObject ParseObject(ManifestObject o) =>
        JsonNode.Parse(o.Json) as JsonObject ?? throw new ManifestException($"{o.Ref}: its JSON is not an object.");

    private static JsonObject MetadataOf(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata) return metadata;
        metadata = new JsonObject();
        obj["metadata"] = metadata;
        return metadata;
    }

    /// <summary>JSON with object keys in ordinal order and no whitespace: one spelling per value.</summary>
    private static string Canonical(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WriteCanonical(writer, node);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
