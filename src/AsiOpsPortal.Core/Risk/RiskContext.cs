using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Risk;

/// <summary>
/// Everything the risk rules look at, gathered by the caller so the rules stay pure: the planned waves with each cluster's
/// facts, the rollback plan, the component version (null for ad-hoc manifests) and the environments where that version
/// has already succeeded, and the moment of the check.
/// </summary>
public sealed record RiskContext(
    IReadOnlyList<RiskWave> Waves,
    string RollbackPlan,
    string? Version,
    IReadOnlySet<string> SucceededIn,
    DateTimeOffset Now)
{
    public IEnumerable<ClusterFacts> Clusters => Waves.SelectMany(w => w.Clusters);

    /// <summary>The risk the scope alone gives (before findings): what rules about "high-risk changes" look at.</summary>
    public RiskLevel ScopeRisk => RiskGrading.OfScope(this).Level;

    /// <summary>Joins a plan with the fleet's facts; a planned cluster the fleet no longer knows keeps its name and environment.</summary>
    public static IReadOnlyList<RiskWave> WavesOf(ChangePlan plan, IReadOnlyDictionary<Guid, ClusterFacts> fleet) =>
        plan.Waves.Select(w => new RiskWave(w.Name, w.Canary, w.MinSuccessSeconds,
            w.Clusters.Select(c => fleet.TryGetValue(c.ClusterId, out var facts) ? facts
                : new ClusterFacts(c.ClusterId, c.Name, c.Environment, "", "", int.MaxValue, new Dictionary<string, string>())).ToList())).ToList();
}

public sealed record RiskWave(string Name, bool Canary, int MinSuccessSeconds, IReadOnlyList<ClusterFacts> Clusters);
