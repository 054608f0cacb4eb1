using System.Globalization;
using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Documents;
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
/// field, and exporting that again gives the same text. Import goes through <see cref="StrictYaml"/>: unknown keys, wrong
/// types, duplicate keys and aliases are problems with their line and field, so a typo never silently falls back to a default.
/// </summary>
public static partial class PipelineYaml
{
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
        try
        {
            var shape = StrictYaml.Read<Shape>(yamlOrJson);
            return new PipelineDocument(shape.Name, shape.Description, shape.Scope, shape.Waves, shape.Then);
        }
        catch (YamlDocumentException e)
        {
            throw new PipelineException(e.Problems);
        }
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

    /// <summary>The keys a pipeline document has, in the order export writes them; a key left out keeps its default.</summary>
    private sealed class Shape
    {
        public string Name { get; set; } = "";
        public string Description { get; set; } = "";
        public string? Scope { get; set; }
        public List<WaveSpec> Waves { get; set; } = [];
        public DynamicStage? Then { get; set; }
    }
}
