using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AsiOpsPortal.Core.Documents;

/// <summary>
/// One YAML document as JSON. By JSON path ("/metadata/name"): where each mapping key and list item starts (Positions), where
/// each value starts (ValueStarts), and the text of plain scalars YAML read as numbers or booleans (PlainTexts: a name written
/// 007 is the text "007" to a model that wants text). Begins is the document's "---", or its first token.
/// </summary>
internal sealed record YamlJsonDocument(int Number, JsonNode? Root, Mark Begins, Mark Start, IReadOnlyDictionary<string, Mark> Positions,
    IReadOnlyDictionary<string, Mark> ValueStarts, IReadOnlyDictionary<string, string> PlainTexts);

/// <summary>YAML that cannot be read: the document (1-based), where in it, and why in plain words.</summary>
internal sealed class YamlSyntaxException(int document, long line, long column, string reason) : Exception(reason)
{
    public int Document { get; } = document;
    public long Line { get; } = line;
    public long Column { get; } = column;
}

/// <summary>
/// Reads a YAML stream (JSON is YAML too) into JSON documents with the YAML 1.2 core schema: plain null/true/false/numbers
/// become JSON types, anything quoted stays a string. Anchors, aliases and merge keys (&lt;&lt;) are expanded; duplicate
/// keys are refused, as kubectl refuses them. Documents people edit by hand can refuse aliases instead, so what they hold
/// is written where it applies.
/// </summary>
internal static partial class YamlToJson
{
    private const int MaxDepth = 100;
    // Aliases can multiply a small file into a huge tree ("billion laughs"); no real manifest set comes near this.
    private const int MaxValues = 1_000_000;

    /// <summary>The limit on any YAML the portal reads: no manifest set or document people write comes near it.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static IReadOnlyList<YamlJsonDocument> Read(string yaml, bool refuseAliases = false)
    {
        var parser = new Parser(new StringReader(yaml));
        var documents = new List<YamlJsonDocument>();
        var lastMark = new Mark();
        var documentLine = 1L;
        try
        {
            parser.Consume<StreamStart>();
            while (!parser.TryConsume<StreamEnd>(out _))
            {
                var start = parser.Consume<DocumentStart>();
                documentLine = start.Start.Line;
                var reader = new DocumentReader(documents.Count + 1, parser, refuseAliases);
                var rootStart = parser.Current?.Start ?? start.Start;
                var root = reader.ReadNode("", "", depth: 0, ref lastMark);
                parser.Consume<DocumentEnd>();
                documents.Add(new YamlJsonDocument(documents.Count + 1, root, start.Start, rootStart, reader.Positions, reader.ValueStarts, reader.PlainTexts));
            }
        }
        catch (YamlException e)
        {
            // A document is added once it is complete, so the one being read is always the next number.
            var (line, column) = IsAboutTabs(e.Message)
                ? FirstTabIndent(yaml, Math.Max(e.Start.Line, documentLine)) ?? (e.Start.Line, e.Start.Column)
                : (e.Start.Line, e.Start.Column);
            throw new YamlSyntaxException(documents.Count + 1, line, column, InPlainWords(e.Message));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some unclosed flow collections instead of raising a YamlException.
            throw new YamlSyntaxException(documents.Count + 1, lastMark.Line, lastMark.Column, "the YAML cannot be read past this point; look for an unclosed [ or {.");
        }
        return documents;
    }

    private static readonly (string Says, string Means)[] Explanations =
    [
        ("found invalid mapping", "a ': ' is not allowed here. Check the indentation, or quote the value if it contains ': '."),
        ("did not find expected key", "this line does not line up with the keys above it, or it is missing its ':'."),
        ("could not find expected ':'", "a line inside a mapping has no ':'."),
        ("quoted scalar, found unexpected end of stream", "a quoted value is never closed."),
        ("did not find expected '-' indicator", "a list item is not indented like the items before it."),
        ("did not find expected ',' or ']'", "a [ is not closed, or its items are not separated by commas."),
        ("did not find expected ',' or '}'", "a { is not closed, or its entries are not separated by commas."),
        ("did not find expected <document start>", "a second top-level value follows the first; separate documents with ---."),
    ];

    /// <summary>YamlDotNet reports a tab used for indentation at the start of the enclosing mapping; people need the tab's own line.</summary>
    private static (long Line, long Column)? FirstTabIndent(string yaml, long fromLine)
    {
        var lines = yaml.Split('\n');
        for (var i = (int)Math.Max(0, fromLine - 1); i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0) return (i + 1, tab + 1);
        }
        return null;
    }

    private static bool IsAboutTabs(string message) =>
        message.Contains("tab as indentation", StringComparison.OrdinalIgnoreCase) || message.Contains("tab character", StringComparison.OrdinalIgnoreCase);

    private static string InPlainWords(string message)
    {
        if (IsAboutTabs(message)) return "tabs cannot indent YAML; use spaces.";
        foreach (var (says, means) in Explanations)
            if (message.Contains(says, StringComparison.OrdinalIgnoreCase)) return means;
        return message.Split('\n', 2)[0].Trim();
    }

    private sealed class DocumentReader(int number, IParser parser, bool refuseAliases)
    {
        private sealed record Anchored(JsonNode? Node, int Values);

        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
        private int _values;

        public Dictionary<string, Mark> Positions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Mark> ValueStarts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> PlainTexts { get; } = new(StringComparer.Ordinal);

        /// <param name="field">The path as people read it: "spec.containers[0].image".</param>
        public JsonNode? ReadNode(string path, string field, int depth, ref Mark lastMark)
        {
            var current = parser.Current ?? throw Fail(lastMark, "the document ends unexpectedly.");
            lastMark = current.Start;
            ValueStarts[path] = current.Start;
            if (depth > MaxDepth) throw Fail(current.Start, $"values are nested more than {MaxDepth} levels deep.");
            var valuesBefore = _values;
            JsonNode? node;
            switch (current)
            {
                case AnchorAlias alias when refuseAliases:
                    throw Fail(alias.Start, $"aliases (*{alias.Value.Value}) are not supported here; write the value out.");
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                        throw Fail(alias.Start, $"*{alias.Value.Value} refers to no anchor &{alias.Value.Value} above it.");
                    Count(anchored.Values, alias.Start);
                    return anchored.Node?.DeepClone();
                case Scalar scalar:
                    parser.MoveNext();
                    Count(1, scalar.Start);
                    node = Resolve(scalar);
                    if (node is JsonValue resolved && resolved.GetValueKind() != JsonValueKind.String) PlainTexts[path] = scalar.Value;
                    break;
                case SequenceStart:
                {
                    parser.MoveNext();
                    Count(1, current.Start);
                    var array = new JsonArray();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        Positions[$"{path}/{array.Count}"] = parser.Current!.Start;
                        array.Add(ReadNode($"{path}/{array.Count}", $"{field}[{array.Count}]", depth + 1, ref lastMark));
                    }
                    node = array;
                    break;
                }
                case MappingStart:
                    parser.MoveNext();
                    Count(1, current.Start);
                    node = ReadMapping(path, field, depth, ref lastMark);
                    break;
                default:
                    throw Fail(current.Start, $"unexpected {current.GetType().Name}.");
            }
            if (current is NodeEvent { Anchor.IsEmpty: false } withAnchor)
                _anchors[withAnchor.Anchor.Value] = new Anchored(node, _values - valuesBefore);
            return node;
        }

        private JsonObject ReadMapping(string path, string field, int depth, ref Mark lastMark)
        {
            var mapping = new JsonObject();
            var merges = new List<(JsonNode? Value, Mark At)>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyEvent = parser.Current!;
                lastMark = keyEvent.Start;
                var key = ReadKey(path, field, depth, ref lastMark);
                if (key is null)
                {
                    merges.Add((ReadNode($"{path}/<<", field, depth + 1, ref lastMark), keyEvent.Start));
                    continue;
                }
                var keyField = field.Length == 0 ? key : $"{field}.{key}";
                if (mapping.ContainsKey(key))
                    throw Fail(keyEvent.Start, $"{keyField} is given twice (first on line {Positions[$"{path}/{key}"].Line}).");
                Positions[$"{path}/{key}"] = keyEvent.Start;
                mapping[key] = ReadNode($"{path}/{key}", keyField, depth + 1, ref lastMark);
            }
            foreach (var (value, at) in merges) Merge(mapping, value, at);
            return mapping;
        }

        /// <summary>The key as text; null for the merge key &lt;&lt;. JSON keys are strings, so `80:` becomes "80".</summary>
        private string? ReadKey(string path, string field, int depth, ref Mark lastMark)
        {
            var keyEvent = parser.Current!;
            if (keyEvent is Scalar { Style: ScalarStyle.Plain, Value: "<<" })
            {
                parser.MoveNext();
                return null;
            }
            if (keyEvent is Scalar scalar)
            {
                parser.MoveNext();
                return scalar.Value;
            }
            var node = ReadNode($"{path}/?", field, depth + 1, ref lastMark);
            if (node is JsonValue value && value.ToString() is { } text) return text;
            throw Fail(keyEvent.Start, "a mapping key must be plain text, not a list or mapping.");
        }

        /// <summary>YAML merge keys: entries of the merged mappings fill in keys the mapping does not set itself; earlier merges win.</summary>
        private void Merge(JsonObject into, JsonNode? merged, Mark at)
        {
            IEnumerable<JsonNode?> sources = merged is JsonArray list ? list : [merged];
            foreach (var source in sources)
            {
                if (source is not JsonObject mapping) throw Fail(at, "<< can only merge a mapping or a list of mappings.");
                foreach (var (key, value) in mapping)
                    if (!into.ContainsKey(key)) into[key] = value?.DeepClone();
            }
        }

        private void Count(int values, Mark at)
        {
            _values += values;
            if (_values > MaxValues) throw Fail(at, $"aliases expand the document to more than {MaxValues:N0} values.");
        }

        private YamlSyntaxException Fail(Mark at, string message) => new(number, at.Line, at.Column, message);

        private JsonNode? Resolve(Scalar scalar)
        {
            var value = scalar.Value;
            var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
            switch (tag)
            {
                case "tag:yaml.org,2002:str" or "tag:yaml.org,2002:binary" or "tag:yaml.org,2002:timestamp":
                    return JsonValue.Create(value);
                case "tag:yaml.org,2002:null":
                    return null;
                case "tag:yaml.org,2002:bool":
                    return Bool(value) is { } b ? JsonValue.Create(b) : throw Fail(scalar.Start, $"!!bool '{value}' is not true or false.");
                case "tag:yaml.org,2002:int":
                    return Integer(value) ?? throw Fail(scalar.Start, $"!!int '{value}' is not an integer.");
                case "tag:yaml.org,2002:float":
                    return Integer(value) ?? Float(value) ?? throw Fail(scalar.Start, $"!!float '{value}' is not a number.");
            }
            if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(value);
            if (value is "" or "~" or "null" or "Null" or "NULL") return null;
            return Bool(value) is { } plainBool ? JsonValue.Create(plainBool) : Integer(value) ?? Float(value) ?? JsonValue.Create(value);
        }

        private static bool? Bool(string value) => value switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => null,
        };

        private static JsonNode? Integer(string value)
        {
            if (DecimalInteger().IsMatch(value))
            {
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small)) return JsonValue.Create(small);
                if (decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var large)) return JsonValue.Create(large);
                return null;
            }
            try
            {
                if (value.StartsWith("0o", StringComparison.Ordinal) && value.Length > 2) return JsonValue.Create(Convert.ToInt64(value[2..], 8));
                if (value.StartsWith("0x", StringComparison.Ordinal) && value.Length > 2) return JsonValue.Create(Convert.ToInt64(value[2..], 16));
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
            }
            return null;
        }

        // .inf and .nan have no JSON form, so they stay text like any other word.
        private static JsonNode? Float(string value) =>
            FloatNumber().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                ? JsonValue.Create(number)
                : null;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatNumber();
}
