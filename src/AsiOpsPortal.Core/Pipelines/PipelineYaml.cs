using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AsiOpsPortal.Core.Pipelines;

/// <summary>A pipeline as people write it: what YAML and JSON import give and what export writes.</summary>
public sealed record PipelineDocument(string Name, string Description, string? Scope, List<WaveSpec> Waves, DynamicStage? Then = null)
{
    public static PipelineDocument Of(Pipeline pipeline) =>
        new(pipeline.Name, pipeline.Description, pipeline.Scope, pipeline.Waves.Select(Copy).ToList(), pipeline.Then);

    public static WaveSpec Copy(WaveSpec wave) => new()
    {
        Name = wave.Name,
        Clusters = [.. wave.Clusters],
        Selector = wave.Selector,
        MaxConcurrency = wave.MaxConcurrency,
        MinSuccessSeconds = wave.MinSuccessSeconds,
        ProgressDeadlineSeconds = wave.ProgressDeadlineSeconds,
        MaxFailures = wave.MaxFailures,
        Canary = wave.Canary,
    };
}

/// <summary>
/// YAML (and JSON, which YAML reads) import and export that round-trip: importing an export gives the pipeline back field by
/// field, and exporting that again gives the same text. Import is strict: unknown keys, wrong types, duplicate keys and
/// aliases are problems with their line and column, so a typo never silently falls back to a default.
/// </summary>
public static partial class PipelineYaml
{
    public static readonly IReadOnlyList<string> PipelineKeys = ["name", "description", "scope", "waves", "then"];

    public static readonly IReadOnlyList<string> StageKeys = ["schedulerPolicy", "namePrefix"];

    public static readonly IReadOnlyList<string> WaveKeys =
        ["name", "clusters", "selector", "maxConcurrency", "minSuccessSeconds", "progressDeadlineSeconds", "maxFailures", "canary"];

    /// <summary>Nesting deeper than any pipeline needs is refused before it can exhaust the stack.</summary>
    private const int MaxDepth = 16;

    public static string Export(Pipeline pipeline) => Export(PipelineDocument.Of(pipeline));

    public static string Export(PipelineDocument pipeline)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        // Never fold long lines: a selector or description is easier to read and diff on one line.
        var emitter = new Emitter(text, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024,
            skipAnchorName: false, indentSequences: true));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
        Key(emitter, "name"); Text(emitter, pipeline.Name);
        Key(emitter, "description"); Text(emitter, pipeline.Description);
        if (pipeline.Scope is not null) { Key(emitter, "scope"); Text(emitter, pipeline.Scope); }
        Key(emitter, "waves");
        emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block));
        foreach (var wave in pipeline.Waves)
        {
            emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
            Key(emitter, "name"); Text(emitter, wave.Name);
            Key(emitter, "clusters");
            emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block));
            foreach (var cluster in wave.Clusters) Text(emitter, cluster);
            emitter.Emit(new SequenceEnd());
            if (wave.Selector is not null) { Key(emitter, "selector"); Text(emitter, wave.Selector); }
            Key(emitter, "maxConcurrency"); Plain(emitter, wave.MaxConcurrency.ToString(CultureInfo.InvariantCulture));
            Key(emitter, "minSuccessSeconds"); Plain(emitter, wave.MinSuccessSeconds.ToString(CultureInfo.InvariantCulture));
            Key(emitter, "progressDeadlineSeconds"); Plain(emitter, wave.ProgressDeadlineSeconds.ToString(CultureInfo.InvariantCulture));
            Key(emitter, "maxFailures");
            // A count reads best as a number; anything else is written as text that reads back unchanged.
            if (CanonicalCount().IsMatch(wave.MaxFailures)) Plain(emitter, wave.MaxFailures); else Text(emitter, wave.MaxFailures);
            Key(emitter, "canary"); Plain(emitter, wave.Canary ? "true" : "false");
            emitter.Emit(new MappingEnd());
        }
        emitter.Emit(new SequenceEnd());
        if (pipeline.Then is { } stage)
        {
            Key(emitter, "then");
            emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
            Key(emitter, "schedulerPolicy"); Text(emitter, stage.SchedulerPolicy);
            if (stage.NamePrefix is not null) { Key(emitter, "namePrefix"); Text(emitter, stage.NamePrefix); }
            emitter.Emit(new MappingEnd());
        }
        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    /// <summary>Reads a pipeline from YAML or JSON; throws <see cref="PipelineException"/> listing every problem with its line and column.</summary>
    public static PipelineDocument Import(string yamlOrJson)
    {
        var problems = new List<string>();
        var root = ReadDocument(yamlOrJson ?? "", problems);
        if (root is null)
        {
            if (problems.Count == 0) problems.Add("The document is empty: expected a mapping with name, description, scope and waves.");
            throw new PipelineException(problems);
        }
        var document = new DocumentReader(problems).Pipeline(root);
        if (problems.Count > 0) throw new PipelineException(problems);
        return document;
    }

    private static void Key(IEmitter emitter, string key) => Plain(emitter, key);

    private static void Plain(IEmitter emitter, string value) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: true));

    /// <summary>Text the reader must get back as the same string: quoted when YAML would otherwise read a number, boolean or null.</summary>
    private static void Text(IEmitter emitter, string value)
    {
        // The emitter falls back to double quotes when a requested style cannot hold the value (control characters, trailing spaces).
        // Readers normalise every line break in a block scalar to \n, so only text whose breaks are all \n may use one.
        var style = value.IndexOfAny(['\r', '\u0085', '\u2028', '\u2029']) >= 0 ? ScalarStyle.DoubleQuoted
            : value.Contains('\n') ? ScalarStyle.Literal
            : value.Length == 0 || NotAString().IsMatch(value) ? ScalarStyle.SingleQuoted
            : ScalarStyle.Plain;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, style, isPlainImplicit: true, isQuotedImplicit: true));
    }

    [GeneratedRegex(@"^(0|[1-9][0-9]*)\z")]
    private static partial Regex CanonicalCount();

    /// <summary>Plain scalars that YAML 1.1 or 1.2 reads as null, a boolean, a number or a timestamp, or that mean something as a key.</summary>
    [GeneratedRegex(@"^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|<<|="
        + @"|[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)"
        + @"|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
        + @"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*"
        + @"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
        + @"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)\z")]
    private static partial Regex NotAString();

    private static string At(Mark mark) => $"Line {mark.Line}, column {mark.Column}";

    private abstract record Node(Mark Start);

    private sealed record ScalarNode(Mark Start, string Value, ScalarStyle Style) : Node(Start)
    {
        public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
    }

    private sealed record SequenceNode(Mark Start, List<Node> Items) : Node(Start);

    private sealed record MappingNode(Mark Start, List<(ScalarNode Key, Node Value)> Entries) : Node(Start);

    /// <summary>The first document as a small tree, or null with the syntax problem recorded.</summary>
    private static Node? ReadDocument(string text, List<string> problems)
    {
        var parser = new Parser(new StringReader(text));
        var lastSeen = Mark.Empty;
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, problems, depth: 0, ref lastSeen);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                problems.Add($"{At(second.Start)}: a second document starts here; put one pipeline in each file.");
                return null;
            }
            return root;
        }
        catch (YamlException e)
        {
            problems.Add($"{At(e.Start)}: {BareMessage(e)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a position) on some unclosed flow collections.
            problems.Add($"{At(lastSeen)}: the YAML is not well-formed after this point (an unclosed '[', '{{' or quote?).");
            return null;
        }
    }

    private static Node ReadNode(IParser parser, List<string> problems, int depth, ref Mark lastSeen)
    {
        var current = parser.Current ?? throw new YamlException("Unexpected end of the document.");
        lastSeen = current.Start;
        if (depth > MaxDepth) throw new YamlException(current.Start, current.End, "The document is nested too deeply for a pipeline.");
        switch (current)
        {
            case AnchorAlias alias:
                throw new YamlException(alias.Start, alias.End, $"Aliases (*{alias.Value}) are not supported; write the value out.");
            case Scalar scalar:
                parser.MoveNext();
                return new ScalarNode(scalar.Start, scalar.Value, scalar.Style);
            case SequenceStart sequence:
            {
                parser.MoveNext();
                var items = new List<Node>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                    items.Add(ReadNode(parser, problems, depth + 1, ref lastSeen));
                return new SequenceNode(sequence.Start, items);
            }
            case MappingStart mapping:
            {
                parser.MoveNext();
                var entries = new List<(ScalarNode, Node)>();
                var seen = new Dictionary<string, Mark>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(parser, problems, depth + 1, ref lastSeen);
                    var value = ReadNode(parser, problems, depth + 1, ref lastSeen);
                    if (keyNode is not ScalarNode key)
                    {
                        problems.Add($"{At(keyNode.Start)}: keys must be plain names.");
                        continue;
                    }
                    if (seen.TryGetValue(key.Value, out var first))
                    {
                        problems.Add($"{At(key.Start)}: '{key.Value}' appears twice in this mapping (first on line {first.Line}).");
                        continue;
                    }
                    seen[key.Value] = key.Start;
                    entries.Add((key, value));
                }
                return new MappingNode(mapping.Start, entries);
            }
            default:
                throw new YamlException(current.Start, current.End, $"Unexpected {current.GetType().Name}.");
        }
    }

    /// <summary>YamlDotNet prefixes messages with both marks; the problem list names the position once, its own way.</summary>
    private static string BareMessage(YamlException e) => YamlMarks().Replace(e.Message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex YamlMarks();

    /// <summary>Maps the tree to a document, recording every problem instead of stopping at the first.</summary>
    private sealed class DocumentReader(List<string> problems)
    {
        public PipelineDocument Pipeline(Node root)
        {
            var name = "";
            var description = "";
            string? scope = null;
            var waves = new List<WaveSpec>();
            DynamicStage? then = null;
            if (root is not MappingNode mapping)
            {
                problems.Add($"{At(root.Start)}: expected a mapping with name, description, scope and waves.");
                return new PipelineDocument(name, description, scope, waves);
            }
            foreach (var (key, value) in mapping.Entries)
            {
                switch (key.Value)
                {
                    case "name": name = Text(key, value) ?? ""; break;
                    case "description": description = Text(key, value) ?? ""; break;
                    case "scope": scope = Text(key, value); break;
                    case "waves": waves = Waves(key, value); break;
                    case "then": then = Stage(key, value); break;
                    default: Unknown(key, PipelineKeys, "a pipeline"); break;
                }
            }
            return new PipelineDocument(name, description, scope, waves, then);
        }

        private List<WaveSpec> Waves(ScalarNode key, Node value)
        {
            if (value is ScalarNode { IsNull: true }) return [];
            if (value is not SequenceNode sequence)
            {
                problems.Add($"{At(value.Start)}: '{key.Value}' must be a list of waves.");
                return [];
            }
            var waves = new List<WaveSpec>();
            foreach (var item in sequence.Items)
            {
                if (item is MappingNode mapping) waves.Add(Wave(mapping));
                else problems.Add($"{At(item.Start)}: each wave must be a mapping with {string.Join(", ", WaveKeys)}.");
            }
            return waves;
        }

        /// <summary>The dynamic stage, or null when 'then' is empty; a stage without a policy name is a problem, not an empty stage.</summary>
        private DynamicStage? Stage(ScalarNode key, Node value)
        {
            if (value is ScalarNode { IsNull: true }) return null;
            if (value is not MappingNode mapping)
            {
                problems.Add($"{At(value.Start)}: '{key.Value}' must be a mapping such as {{schedulerPolicy: balanced}}.");
                return null;
            }
            string? policy = null, prefix = null;
            foreach (var (stageKey, stageValue) in mapping.Entries)
            {
                switch (stageKey.Value)
                {
                    case "schedulerPolicy": policy = Text(stageKey, stageValue); break;
                    case "namePrefix": prefix = Text(stageKey, stageValue); break;
                    default: Unknown(stageKey, StageKeys, $"'{key.Value}'"); break;
                }
            }
            if (string.IsNullOrWhiteSpace(policy))
                problems.Add($"{At(mapping.Start)}: '{key.Value}' must name a scheduler policy: schedulerPolicy: NAME.");
            return new DynamicStage { SchedulerPolicy = policy ?? "", NamePrefix = prefix };
        }

        private WaveSpec Wave(MappingNode mapping)
        {
            var wave = new WaveSpec();
            foreach (var (key, value) in mapping.Entries)
            {
                switch (key.Value)
                {
                    case "name": wave.Name = Text(key, value) ?? ""; break;
                    case "clusters": wave.Clusters = Names(key, value); break;
                    case "selector": wave.Selector = Text(key, value); break;
                    case "maxConcurrency": wave.MaxConcurrency = Number(key, value) ?? wave.MaxConcurrency; break;
                    case "minSuccessSeconds": wave.MinSuccessSeconds = Number(key, value) ?? wave.MinSuccessSeconds; break;
                    case "progressDeadlineSeconds": wave.ProgressDeadlineSeconds = Number(key, value) ?? wave.ProgressDeadlineSeconds; break;
                    case "maxFailures": wave.MaxFailures = Text(key, value) ?? wave.MaxFailures; break;
                    case "canary": wave.Canary = Flag(key, value) ?? wave.Canary; break;
                    default: Unknown(key, WaveKeys, "a wave"); break;
                }
            }
            return wave;
        }

        private string? Text(ScalarNode key, Node value)
        {
            if (value is ScalarNode scalar) return scalar.IsNull ? null : scalar.Value;
            problems.Add($"{At(value.Start)}: '{key.Value}' must be text, not a {(value is SequenceNode ? "list" : "mapping")}.");
            return null;
        }

        private List<string> Names(ScalarNode key, Node value)
        {
            if (value is ScalarNode { IsNull: true }) return [];
            if (value is not SequenceNode sequence)
            {
                problems.Add($"{At(value.Start)}: '{key.Value}' must be a list of cluster names.");
                return [];
            }
            var names = new List<string>();
            foreach (var item in sequence.Items)
            {
                if (item is ScalarNode { IsNull: false } scalar) names.Add(scalar.Value);
                else problems.Add($"{At(item.Start)}: each entry of '{key.Value}' must be a cluster name.");
            }
            return names;
        }

        private int? Number(ScalarNode key, Node value)
        {
            if (value is ScalarNode { IsNull: true }) return null;
            if (value is ScalarNode scalar && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                return number;
            problems.Add($"{At(value.Start)}: '{key.Value}' must be a whole number{(value is ScalarNode s ? $", not '{s.Value}'" : "")}.");
            return null;
        }

        private bool? Flag(ScalarNode key, Node value)
        {
            if (value is ScalarNode { IsNull: true }) return null;
            if (value is ScalarNode scalar && bool.TryParse(scalar.Value, out var flag)) return flag;
            problems.Add($"{At(value.Start)}: '{key.Value}' must be true or false{(value is ScalarNode s ? $", not '{s.Value}'" : "")}.");
            return null;
        }

        private void Unknown(ScalarNode key, IReadOnlyList<string> known, string what)
        {
            var suggestion = known.FirstOrDefault(k => string.Equals(k, key.Value, StringComparison.OrdinalIgnoreCase))
                ?? known.Where(k => Distance(k, key.Value) <= 2).OrderBy(k => Distance(k, key.Value)).FirstOrDefault();
            problems.Add($"{At(key.Start)}: unknown key '{key.Value}' in {what}"
                + (suggestion is null ? $"; known keys are {string.Join(", ", known)}." : $"; did you mean '{suggestion}'?"));
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
