using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>
/// YAML (and JSON, which YAML reads) import and export of scheduler policies that round-trip. Import is strict: unknown
/// keys, wrong types and duplicate keys are problems with their line and column; a section left out keeps its defaults.
/// </summary>
public static partial class SchedulerYaml
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithDuplicateKeyChecking()
        .Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .WithQuotingNecessaryStrings()
        .WithIndentedSequences()
        .Build();

    public static string Export(SchedulerPolicyDocument policy) => Writer.Serialize(new Shape
    {
        Name = policy.Name,
        Description = policy.Description,
        Filters = policy.Filters,
        Weights = policy.Weights,
        Shaping = policy.Shaping,
    }).Replace("\r\n", "\n");

    /// <summary>Reads a policy from YAML or JSON; throws <see cref="SchedulerPolicyException"/> naming the line and column of what is wrong.</summary>
    public static SchedulerPolicyDocument Import(string yamlOrJson)
    {
        Shape? shape;
        try
        {
            shape = Reader.Deserialize<Shape?>(yamlOrJson ?? "");
        }
        catch (YamlException e)
        {
            throw new SchedulerPolicyException([$"Line {e.Start.Line}, column {e.Start.Column}: {Explain(e)}"]);
        }
        if (shape is null) throw new SchedulerPolicyException(["The document is empty: expected a mapping with name, description, filters, weights and shaping."]);
        return Normalize(new SchedulerPolicyDocument(shape.Name ?? "", shape.Description ?? "", shape.Filters!, shape.Weights!, shape.Shaping!));
    }

    /// <summary>Fills sections left out or written as null with their defaults and trims what people type, so equal intent is equal text.</summary>
    public static SchedulerPolicyDocument Normalize(SchedulerPolicyDocument policy)
    {
        var filters = SchedulerPolicyDocument.Copy(policy.Filters ?? new SchedulerFilters());
        filters.Environments = Clean(filters.Environments);
        filters.Regions = Clean(filters.Regions);
        filters.Selector = string.IsNullOrWhiteSpace(filters.Selector) ? null : filters.Selector.Trim();
        var defaults = new WaveShaping();
        var shaping = policy.Shaping ?? defaults;
        shaping = SchedulerPolicyDocument.Copy(new WaveShaping
        {
            EnvironmentOrder = Clean(shaping.EnvironmentOrder),
            CanarySize = shaping.CanarySize,
            FirstWaveSize = shaping.FirstWaveSize,
            GrowthFactor = shaping.GrowthFactor,
            MaxWaveSize = shaping.MaxWaveSize,
            MaxRegionPercent = shaping.MaxRegionPercent,
            TierZeroLast = shaping.TierZeroLast,
            Canary = Settings(shaping.Canary, defaults.Canary),
            Waves = Settings(shaping.Waves, defaults.Waves),
            TierZero = Settings(shaping.TierZero, defaults.TierZero),
        });
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (plugin, weight) in policy.Weights ?? []) weights[(plugin ?? "").Trim()] = weight;
        return new SchedulerPolicyDocument((policy.Name ?? "").Trim(), (policy.Description ?? "").Trim(), filters, SchedulerPolicyDocument.Ordered(weights), shaping);

        static List<string> Clean(List<string>? items) => (items ?? []).Select(i => (i ?? "").Trim()).ToList();

        static WaveSettings Settings(WaveSettings? settings, WaveSettings fallback)
        {
            var copy = SchedulerPolicyDocument.Copy(settings ?? fallback);
            copy.MaxFailures = (copy.MaxFailures ?? "").Trim() is { Length: > 0 } maxFailures ? maxFailures : "0";
            return copy;
        }
    }

    private static string Explain(YamlException e)
    {
        if (UnknownProperty().Match(e.Message) is { Success: true } unknown)
            return $"unknown key '{unknown.Groups[1].Value}'.";
        var message = YamlMarks().Replace(e.Message, "");
        return e.InnerException switch
        {
            null => message,
            // YamlDotNet says "Invalid cast from 'System.String' to '…WaveSettings'": say what belongs there instead.
            _ when CastTarget().Match(e.InnerException.Message) is { Success: true } cast => $"expected {Expected(cast.Groups[1].Value)} here.",
            FormatException or OverflowException => "expected a number (in range) here.",
            _ => "this value is not valid here.",
        };
    }

    private static string Expected(string typeName) => typeName[(typeName.LastIndexOf('.') + 1)..] switch
    {
        "Int32" or "Int64" => "a whole number",
        "Double" or "Decimal" or "Single" => "a number",
        "Boolean" => "true or false",
        "String" => "a single value",
        var name when name.StartsWith("List", StringComparison.Ordinal) => "a list",
        _ => "a mapping of keys to values",
    };

    [GeneratedRegex(@"to '([\w.`\[\], ]+)'")]
    private static partial Regex CastTarget();

    [GeneratedRegex(@"Property '([^']*)' not found on type")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex YamlMarks();

    /// <summary>The document's keys, in the order export writes them.</summary>
    private sealed class Shape
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public SchedulerFilters? Filters { get; set; } = new();
        public Dictionary<string, int>? Weights { get; set; } = [];
        public WaveShaping? Shaping { get; set; } = new();
    }
}
