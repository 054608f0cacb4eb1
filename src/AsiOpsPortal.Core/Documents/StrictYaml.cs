using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace AsiOpsPortal.Core.Documents;

/// <summary>A document that does not read as its model: every problem found, each naming its line, column and field.</summary>
public sealed class YamlDocumentException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The one front end for documents people write in YAML (or JSON, which YAML reads): pipelines, scheduler policies, and
/// whatever comes next. The text becomes JSON nodes that remember their lines (<see cref="YamlToJson"/>), then the model,
/// strictly: an unknown key, a key given twice, a value of the wrong type, an alias, a second document or a text over the
/// size limit is a problem, never a silent default. A key left out or left empty keeps the model's default; a plain scalar
/// such as <c>007</c> or <c>true</c> is text where the model wants text. Problems read
/// "Line 4, column 5: waves[0].maxConcurency is not a known key; did you mean 'maxConcurrency'?", and all are listed.
/// </summary>
public static partial class StrictYaml
{
    /// <summary>Camel-case keys matched exactly, so "Canary" is a near miss of "canary" rather than the same key.</summary>
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private static readonly Dictionary<Type, (decimal Min, decimal Max)> WholeNumbers = new()
    {
        [typeof(int)] = (int.MinValue, int.MaxValue),
        [typeof(long)] = (long.MinValue, long.MaxValue),
        [typeof(uint)] = (uint.MinValue, uint.MaxValue),
    };

    /// <summary>Reads one document into <typeparamref name="T"/>; throws <see cref="YamlDocumentException"/> listing what is wrong.</summary>
    public static T Read<T>(string yamlOrJson)
    {
        var document = ReadOneDocument(yamlOrJson ?? "", typeof(T));
        var problems = new List<string>();
        var binder = new Binder(document, problems);
        var bound = binder.Bind(document.Root, typeof(T), "", "");
        if (problems.Count > 0) throw new YamlDocumentException(problems);
        try
        {
            return bound.Deserialize<T>(Options)!;
        }
        catch (JsonException e)
        {
            // The binder checks what the model's contract tells it; a date or id that does not parse only its converter knows.
            throw new YamlDocumentException([binder.NotValid(e.Path ?? "$")]);
        }
    }

    private static YamlJsonDocument ReadOneDocument(string text, Type model)
    {
        var size = Encoding.UTF8.GetByteCount(text);
        if (size > YamlToJson.MaxBytes)
            throw new YamlDocumentException([string.Create(CultureInfo.InvariantCulture,
                $"The document is {size:N0} bytes, over the limit of {YamlToJson.MaxBytes:N0} bytes (1 MiB).")]);
        IReadOnlyList<YamlJsonDocument> documents;
        try
        {
            documents = YamlToJson.Read(text, refuseAliases: true);
        }
        catch (YamlSyntaxException e)
        {
            throw new YamlDocumentException([$"Line {e.Line}, column {e.Column}: {e.Message}"]);
        }
        // Empty documents (a trailing ---, a file of comments) say nothing; only the ones with content count.
        var given = documents.Where(d => d.Root is not null).ToList();
        return given.Count switch
        {
            0 => throw new YamlDocumentException([$"The document is empty: expected {Expected(model)}."]),
            1 => given[0],
            _ => throw new YamlDocumentException([$"{At(given[1].Begins)}: a second document starts here; put one document in each file."]),
        };
    }

    [GeneratedRegex(@"\.(?<name>[^.\[\]']+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();

    private static string At(Mark mark) => $"Line {mark.Line}, column {mark.Column}";

    /// <summary>What a person should write for a value of <paramref name="type"/>, in words.</summary>
    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "text";
        if (type == typeof(bool)) return "true or false";
        if (WholeNumbers.ContainsKey(type)) return "a whole number";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type.IsEnum) return $"one of {Listed(Enum.GetNames(type))}";
        var info = Options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Object => $"a mapping with {Listed(Keys(info))}",
            JsonTypeInfoKind.Dictionary => "a mapping",
            JsonTypeInfoKind.Enumerable => "a list",
            _ => "a valid value",
        };
    }

    /// <summary>The keys a model reads, in the order it declares them.</summary>
    private static IEnumerable<string> Keys(JsonTypeInfo info) => info.Properties.Where(p => p.Set is not null).Select(p => p.Name);

    private static string Listed(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Join("", list) : $"{string.Join(", ", list[..^1])} and {list[^1]}";
    }

    /// <summary>
    /// Walks the JSON nodes along the model's contract, recording every problem with its place, and gives the nodes as the
    /// model reads them: nulls left out (so defaults stay), plain scalars as their text where text is expected.
    /// </summary>
    private sealed class Binder(YamlJsonDocument document, List<string> problems)
    {
        public JsonNode? Bind(JsonNode? node, Type type, string path, string field)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            var value = node as JsonValue;
            var kind = node?.GetValueKind();
            if (type == typeof(string))
            {
                if (value is null) return Wrong(node, type, path, field);
                return kind == JsonValueKind.String ? value.DeepClone() : JsonValue.Create(document.PlainTexts.GetValueOrDefault(path) ?? value.ToJsonString());
            }
            if (type == typeof(bool))
                return kind is JsonValueKind.True or JsonValueKind.False ? value!.DeepClone() : Wrong(node, type, path, field);
            if (WholeNumbers.TryGetValue(type, out var range))
            {
                if (kind != JsonValueKind.Number || !decimal.TryParse(value!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    || number != decimal.Truncate(number))
                    return Wrong(node, type, path, field);
                return number >= range.Min && number <= range.Max
                    ? value.DeepClone()
                    : Wrong(node, type, path, field, string.Create(CultureInfo.InvariantCulture, $"a whole number from {range.Min} to {range.Max}"));
            }
            if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
                return kind == JsonValueKind.Number ? value!.DeepClone() : Wrong(node, type, path, field);
            if (type.IsEnum)
                return kind == JsonValueKind.String && Enum.GetNames(type).Contains(value!.GetValue<string>(), StringComparer.Ordinal)
                    ? value.DeepClone()
                    : Wrong(node, type, path, field);
            if (type == typeof(JsonNode) || type == typeof(JsonElement) || type == typeof(object)) return node?.DeepClone();

            var info = Options.GetTypeInfo(type);
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object when node is JsonObject mapping:
                    return Mapping(mapping, info, path, field);
                case JsonTypeInfoKind.Dictionary when node is JsonObject mapping:
                    return new JsonObject(mapping.Select(entry => KeyValuePair.Create(entry.Key,
                        Bind(entry.Value, info.ElementType!, $"{path}/{entry.Key}", Join(field, entry.Key)))));
                case JsonTypeInfoKind.Enumerable when node is JsonArray list:
                    return new JsonArray(list.Select((item, i) => Bind(item, info.ElementType!, $"{path}/{i}", $"{field}[{i}]")).ToArray());
                case JsonTypeInfoKind.None when value is not null:
                    return value.DeepClone(); // dates, ids and the like: the model's own converter says whether it reads
                default:
                    return Wrong(node, type, path, field);
            }
        }

        /// <summary>The problem for the value at a System.Text.Json path such as <c>$.waves[0]['my.key']</c>.</summary>
        public string NotValid(string jsonPath)
        {
            var (path, field) = ("", "");
            foreach (Match step in PathStep().Matches(jsonPath))
            {
                var segment = step.Groups["index"].Success ? step.Groups["index"].Value : step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
                path += $"/{segment}";
                field = step.Groups["index"].Success ? $"{field}[{segment}]" : Join(field, segment);
            }
            return $"{ValueAt(path)}: {(field.Length == 0 ? "the document" : field)} is not valid here.";
        }

        private JsonObject Mapping(JsonObject mapping, JsonTypeInfo info, string path, string field)
        {
            var keys = Keys(info).ToList();
            var bound = new JsonObject();
            foreach (var (key, value) in mapping)
            {
                var property = info.Properties.FirstOrDefault(p => p.Set is not null && p.Name == key);
                if (property is null) Unknown(key, keys, $"{path}/{key}", Join(field, key));
                else if (value is not null) bound[key] = Bind(value, property.PropertyType, $"{path}/{key}", Join(field, key));
            }
            foreach (var required in info.Properties.Where(p => p.IsRequired && !bound.ContainsKey(p.Name)))
                problems.Add($"{ValueAt(path)}: {Join(field, required.Name)} is required.");
            return bound;
        }

        private void Unknown(string key, List<string> known, string path, string field)
        {
            var suggestion = known.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                ?? known.Where(k => Distance(k, key) <= 2).OrderBy(k => Distance(k, key)).FirstOrDefault();
            problems.Add($"{KeyAt(path)}: {field} is not a known key"
                + (suggestion is null ? $"; known keys are {Listed(known)}." : $"; did you mean '{suggestion}'?"));
        }

        private JsonNode? Wrong(JsonNode? node, Type type, string path, string field, string? expected = null)
        {
            problems.Add($"{ValueAt(path)}: {(field.Length == 0 ? "the document" : field)} must be {expected ?? Expected(type)}, not {Described(node, path)}.");
            return null;
        }

        private string Described(JsonNode? node, string path) => node switch
        {
            null => "empty",
            JsonObject => "a mapping",
            JsonArray => "a list",
            _ => $"'{Shortened(document.PlainTexts.GetValueOrDefault(path) ?? (node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString()))}'",
        };

        private static string Shortened(string text) => text.Length <= 40 ? text : text[..40] + "…";

        private static string Join(string field, string key) => field.Length == 0 ? key : $"{field}.{key}";

        private string KeyAt(string path) => At(Nearest(document.Positions, path) ?? Nearest(document.ValueStarts, path) ?? document.Start);

        private string ValueAt(string path) => At(Nearest(document.ValueStarts, path) ?? document.Start);

        /// <summary>The place of <paramref name="path"/>, or of its nearest ancestor that has one (values inside a merge have none).</summary>
        private static Mark? Nearest(IReadOnlyDictionary<string, Mark> places, string path)
        {
            for (var current = path; ; current = current[..current.LastIndexOf('/')])
            {
                if (places.TryGetValue(current, out var mark)) return mark;
                if (current.Length == 0) return null;
            }
        }

        /// <summary>Levenshtein distance, for "did you mean" on a misspelt key.</summary>
        private static int Distance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
            return previous[b.Length];
        }
    }
}
