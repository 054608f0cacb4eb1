using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsiOpsPortal.FleetSim.Store;

/// <summary>Small, allocation-light helpers over System.Text.Json.Nodes, the simulator's object model.</summary>
internal static class Json
{
    public static JsonNode? At(this JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params ReadOnlySpan<string> path) =>
        node.At(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(this JsonNode? node, params ReadOnlySpan<string> path)
    {
        if (node.At(path) is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        return v.GetValueKind() == JsonValueKind.Number ? (long)double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : null;
    }

    public static bool Bool(this JsonNode? node, params ReadOnlySpan<string> path) =>
        node.At(path) is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The child object named <paramref name="name"/>, created if missing or not an object.</summary>
    public static JsonObject Child(this JsonObject o, string name)
    {
        if (o[name] is JsonObject child) return child;
        var created = new JsonObject();
        o[name] = created;
        return created;
    }

    /// <summary>The child array named <paramref name="name"/>, created if missing.</summary>
    public static JsonArray Array(this JsonObject o, string name)
    {
        if (o[name] is JsonArray child) return child;
        var created = new JsonArray();
        o[name] = created;
        return created;
    }

    public static JsonObject Meta(this JsonObject o) => o.Child("metadata");

    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";

    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");

    public static Dictionary<string, string> Labels(this JsonNode? o) => StringMap(o.At("metadata", "labels"));

    public static Dictionary<string, string> StringMap(JsonNode? map)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map is JsonObject m)
        {
            foreach (var (k, v) in m)
            {
                result[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
            }
        }
        return result;
    }

    public static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map) o[k] = v;
        return o;
    }

    /// <summary>Kubernetes timestamps: RFC 3339, second precision, UTC.</summary>
    public static string Time(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>
    /// Forces lazily-parsed nodes to build their children. Stored objects are shared between concurrent readers,
    /// and JsonNode initialises parsed children on first access, which is not thread-safe.
    /// </summary>
    public static T Materialize<T>(T node) where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o) if (v is not null) Materialize(v);
                break;
            case JsonArray a:
                foreach (var v in a) if (v is not null) Materialize(v);
                break;
        }
        return node;
    }

    public static JsonObject Clone(this JsonObject o) => (JsonObject)o.DeepClone();

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode, so the fleet is the same on every run.</summary>
    public static ulong Hash(params ReadOnlySpan<string> parts)
    {
        var h = 14695981039346656037UL;
        foreach (var part in parts)
        {
            foreach (var c in part)
            {
                h ^= c;
                h *= 1099511628211UL;
            }
            h ^= 0xff;
            h *= 1099511628211UL;
        }
        return h;
    }

    public static string Uid(params ReadOnlySpan<string> parts)
    {
        var a = Hash(parts);
        var b = Hash([.. parts, "uid"]);
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, a);
        BitConverter.TryWriteBytes(bytes[8..], b);
        return new Guid(bytes).ToString();
    }

    /// <summary>Name suffixes in the alphabet Kubernetes uses for generated names (no vowels, no confusable digits).</summary>
    public static string Suffix(int length, params ReadOnlySpan<string> parts)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var h = Hash(parts);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(alphabet[(int)(h % (ulong)alphabet.Length)]);
            h /= (ulong)alphabet.Length;
            if (h == 0) h = Hash([.. parts, i.ToString(CultureInfo.InvariantCulture)]);
        }
        return sb.ToString();
    }

    public static byte[] Serialize(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) node.WriteTo(w);
        return buffer.WrittenSpan.ToArray();
    }
}
