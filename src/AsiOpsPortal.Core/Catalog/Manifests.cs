using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>One Kubernetes object read from a multi-document manifest, with where it was found (1-based).</summary>
public sealed record ManifestObject(int Document, int Line, string ApiVersion, string Kind, string Name, string? Namespace, string Json);

/// <summary>Manifests a person must fix; the message names the document and line.</summary>
public sealed class ManifestException(string message) : Exception(message);

/// <summary>Reads multi-document YAML into Kubernetes objects, and what can be said about them without a cluster.</summary>
public static class Manifests
{
    public const int MaxBytes = 1024 * 1024;

    public static IReadOnlyList<ManifestObject> Parse(string yaml)
    {
        if (Encoding.UTF8.GetByteCount(yaml ?? "") > MaxBytes)
            throw new ManifestException($"The manifests are larger than {MaxBytes / 1024} KiB.");
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml ?? ""));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"Document {stream.Documents.Count + 1} (line {e.Start.Line}): the YAML is not valid: {Reason(e)}");
        }

        var objects = new List<ManifestObject>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            var document = i + 1;
            var line = (int)root.Start.Line;
            // "---" with nothing after it is an empty document, which kubectl skips too.
            if (root is YamlScalarNode { Value: null or "" }) continue;
            if (root is not YamlMappingNode map)
                throw new ManifestException($"Document {document} (line {line}): expected a Kubernetes object (a mapping with apiVersion, kind and metadata).");

            var apiVersion = Text(map, "apiVersion") ?? throw Missing(document, line, "apiVersion");
            var kind = Text(map, "kind") ?? throw Missing(document, line, "kind");
            if (Child(map, "metadata") is not YamlMappingNode metadata) throw Missing(document, line, "metadata");
            var name = Text(metadata, "name") ?? throw Missing(document, line, "metadata.name");
            var ns = Text(metadata, "namespace");
            objects.Add(new ManifestObject(document, line, apiVersion, kind, name, ns, ToJson(map)!.ToJsonString()));
        }
        return objects;
    }

    /// <summary>sha256 over the objects in a stable order, so the same objects uploaded twice have the same digest.</summary>
    public static string Digest(IReadOnlyList<ManifestObject> objects)
    {
        var canonical = string.Join('\n', objects
            .OrderBy(o => o.ApiVersion, StringComparer.Ordinal).ThenBy(o => o.Kind, StringComparer.Ordinal)
            .ThenBy(o => o.Namespace ?? "", StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => o.Json));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Every container image the objects' pod templates name, in order of first mention.</summary>
    public static IReadOnlyList<string> Images(IReadOnlyList<ManifestObject> objects)
    {
        var images = new List<string>();
        foreach (var o in objects) CollectImages(JsonNode.Parse(o.Json), images);
        return images.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void CollectImages(JsonNode? node, List<string> images)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key is "containers" or "initContainers" or "ephemeralContainers" && value is JsonArray containers)
                    {
                        foreach (var container in containers)
                            if (container?["image"] is JsonValue image && image.TryGetValue<string>(out var text) && text.Length > 0)
                                images.Add(text);
                    }
                    else CollectImages(value, images);
                }
                break;
            case JsonArray array:
                foreach (var item in array) CollectImages(item, images);
                break;
        }
    }

    private static ManifestException Missing(int document, int line, string field) =>
        new($"Document {document} (line {line}): {field} is missing.");

    /// <summary>YamlDotNet prefixes its messages with "(Line: 3, Col: 4, Idx: 20) - (Line: …): "; the line is said already.</summary>
    private static string Reason(YamlException e)
    {
        var message = e.Message;
        var end = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && end >= 0 ? message[(end + 3)..] : message;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlMappingNode map, string key) =>
        Child(map, key) is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(kv.Key is YamlScalarNode key ? key.Value ?? "" : kv.Key.ToString(), ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    /// <summary>Plain scalars carry YAML 1.2 core types; quoted ones are always strings.</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (value.Any(char.IsDigit) && !value.Contains(':') && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }
}
