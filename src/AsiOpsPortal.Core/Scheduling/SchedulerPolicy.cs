using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;

namespace AsiOpsPortal.Core.Scheduling;

/// <summary>
/// A dynamic release path: which clusters may take a change (filters), in what order (weighted scoring plugins) and in
/// what waves (shaping). Planning it against the fleet gives an explained plan; see <see cref="ClusterScheduler"/>.
/// </summary>
public class SchedulerPolicy : IVersionedDocument
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public SchedulerFilters Filters { get; set; } = new();
    /// <summary>Plugin name → weight (0-100); a plugin left out weighs 0.</summary>
    public Dictionary<string, int> Weights { get; set; } = [];
    public WaveShaping Shaping { get; set; } = new();
    public string UpdatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>PostgreSQL xmin: two editors saving at once cannot both win.</summary>
    public uint ConcurrencyToken { get; set; }
}

/// <summary>Which clusters are eligible. Every filtered-out cluster is listed with its reason, never silently dropped.</summary>
public sealed class SchedulerFilters
{
    /// <summary>Empty: every environment the shaping's order names.</summary>
    public List<string> Environments { get; set; } = [];
    /// <summary>Empty: every region.</summary>
    public List<string> Regions { get; set; } = [];
    /// <summary>Label-selector expressions over labels and name, environment, region, zone, tier; empty: no restriction.</summary>
    public string? Selector { get; set; }
    public bool ExcludeUnreachable { get; set; } = true;
    /// <summary>Leave out clusters whose last inventory sync is older than the staleness limit (or that never synced).</summary>
    public bool ExcludeStale { get; set; } = true;
}

/// <summary>How the ranked clusters become waves.</summary>
public sealed class WaveShaping
{
    /// <summary>Environments in release order; every wave holds one environment and they never interleave.</summary>
    public List<string> EnvironmentOrder { get; set; } = ["test", "staging", "prod"];
    /// <summary>The N lowest-risk clusters of the first environment form a canary wave; 0 for none.</summary>
    public int CanarySize { get; set; } = 2;
    /// <summary>The first wave of each environment (and of its tier-0 clusters) after the canary.</summary>
    public int FirstWaveSize { get; set; } = 2;
    /// <summary>Each following wave of an environment is this many times larger than the one before (e.g. 2).</summary>
    public double GrowthFactor { get; set; } = 2;
    /// <summary>Cap on any wave's size.</summary>
    public int MaxWaveSize { get; set; } = 50;
    /// <summary>At most this share of one region's eligible clusters in the environment may be in one wave (at least one).</summary>
    public int MaxRegionPercent { get; set; } = 50;
    /// <summary>Tier-0 (most critical) clusters go in their own waves at the end of their environment.</summary>
    public bool TierZeroLast { get; set; } = true;
    public WaveSettings Canary { get; set; } = new() { MaxConcurrency = 1, MinSuccessSeconds = 60, MaxFailures = "0" };
    public WaveSettings Waves { get; set; } = new() { MaxConcurrency = 2, MinSuccessSeconds = 60, MaxFailures = "10%" };
    public WaveSettings TierZero { get; set; } = new() { MaxConcurrency = 1, MinSuccessSeconds = 120, MaxFailures = "0" };
}

/// <summary>How one wave runs: the same settings a static pipeline's <c>WaveSpec</c> carries.</summary>
public sealed class WaveSettings
{
    public int MaxConcurrency { get; set; } = 1;
    public int MinSuccessSeconds { get; set; }
    public int ProgressDeadlineSeconds { get; set; } = 600;
    /// <summary>A count ("2") or a share of the wave ("10%"); a canary wave tolerates none whatever this says.</summary>
    public string MaxFailures { get; set; } = "0";
}

/// <summary>A policy as people write it: what YAML and JSON import give, what export writes, what planning reads.</summary>
public sealed record SchedulerPolicyDocument(string Name, string Description, SchedulerFilters Filters, Dictionary<string, int> Weights, WaveShaping Shaping)
{
    public static SchedulerPolicyDocument Of(SchedulerPolicy policy) =>
        new(policy.Name, policy.Description, Copy(policy.Filters), Ordered(policy.Weights), Copy(policy.Shaping));

    /// <summary>A new policy with every plugin at equal weight and the default shaping.</summary>
    public static SchedulerPolicyDocument Default(string name) =>
        new(name, "", new SchedulerFilters(), ScorePlugins.All.ToDictionary(p => p.Name, _ => 1), new WaveShaping());

    public SchedulerPolicyDocument DeepCopy() => new(Name, Description, Copy(Filters), Ordered(Weights), Copy(Shaping));

    /// <summary>
    /// Weights in the plugins' own order (unknown names after, by name), whatever order they were written or stored in
    /// (jsonb sorts keys), so the same policy always reads and exports the same way.
    /// </summary>
    public static Dictionary<string, int> Ordered(IReadOnlyDictionary<string, int> weights) =>
        weights.OrderBy(w => ScorePlugins.OrderOf(w.Key)).ThenBy(w => w.Key, StringComparer.Ordinal)
            .ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);

    public static SchedulerFilters Copy(SchedulerFilters f) => new()
    {
        Environments = [.. f.Environments],
        Regions = [.. f.Regions],
        Selector = f.Selector,
        ExcludeUnreachable = f.ExcludeUnreachable,
        ExcludeStale = f.ExcludeStale,
    };

    public static WaveShaping Copy(WaveShaping s) => new()
    {
        EnvironmentOrder = [.. s.EnvironmentOrder],
        CanarySize = s.CanarySize,
        FirstWaveSize = s.FirstWaveSize,
        GrowthFactor = s.GrowthFactor,
        MaxWaveSize = s.MaxWaveSize,
        MaxRegionPercent = s.MaxRegionPercent,
        TierZeroLast = s.TierZeroLast,
        Canary = Copy(s.Canary),
        Waves = Copy(s.Waves),
        TierZero = Copy(s.TierZero),
    };

    public static WaveSettings Copy(WaveSettings w) => new()
    {
        MaxConcurrency = w.MaxConcurrency,
        MinSuccessSeconds = w.MinSuccessSeconds,
        ProgressDeadlineSeconds = w.ProgressDeadlineSeconds,
        MaxFailures = w.MaxFailures,
    };
}

/// <summary>The last plan previewed for a saved policy, so the next preview can show what re-planning changed.</summary>
public class SchedulerPreview
{
    public Guid PolicyId { get; set; }
    public ChangePlan Plan { get; set; } = new();
    public DateTimeOffset PreviewedAt { get; set; }
    public string PreviewedBy { get; set; } = "";
}
