using AsiOpsPortal.Core.Documents;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>
/// YAML (and JSON, which YAML reads) import and export of scheduler policies that round-trip. Import goes through
/// <see cref="StrictYaml"/>: unknown keys, wrong types and duplicate keys are problems with their line and field; a section
/// left out keeps its defaults.
/// </summary>
public static class SchedulerYaml
{
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
        Shape shape;
        try
        {
            shape = StrictYaml.Read<Shape>(yamlOrJson);
        }
        catch (YamlDocumentException e)
        {
            throw new SchedulerPolicyException(e.Problems);
        }
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
