using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Scheduling;

namespace AsiOpsPortal.Core.Pipelines;

/// <summary>What a valid dynamic stage is, and how its policy's waves follow a pipeline's static waves in one plan.</summary>
public static class DynamicStageRules
{
    /// <summary>What a policy wave is called in a change's plan, e.g. "policy balanced · prod-1", so people see where it came from.</summary>
    public static string WaveName(DynamicStage stage, string wave) =>
        $"{(string.IsNullOrWhiteSpace(stage.NamePrefix) ? $"policy {stage.SchedulerPolicy}" : stage.NamePrefix.Trim())} · {wave}";

    /// <summary>Problems with the stage, empty when it is absent or names one of <paramref name="policies"/>.</summary>
    public static IReadOnlyList<string> Validate(DynamicStage? stage, IReadOnlyCollection<string> policies)
    {
        if (stage is null) return [];
        if (string.IsNullOrWhiteSpace(stage.SchedulerPolicy)) return ["The dynamic stage ('then') must name a scheduler policy."];
        return policies.Contains(stage.SchedulerPolicy) ? [] : [Missing(stage)];
    }

    /// <summary>
    /// The whole plan: the static waves as <see cref="PipelineRules.Plan"/> gives them, then, when the pipeline has a dynamic
    /// stage, <paramref name="policy"/>'s waves for the clusters no static wave holds. Throws <see cref="PipelineException"/>
    /// when the pipeline is not valid or <paramref name="policy"/> is not the one its stage names, and
    /// <see cref="SchedulerPolicyException"/> when the policy is not valid.
    /// </summary>
    public static ChangePlan Plan(Pipeline pipeline, SchedulerPolicyDocument? policy, IReadOnlyList<SchedulingFacts> fleet, DateTimeOffset now)
    {
        var staticPlan = PipelineRules.Plan(pipeline, fleet.Select(f => f.Cluster).ToList());
        if (pipeline.Then is not { } stage) return staticPlan;
        if (policy is null || policy.Name != stage.SchedulerPolicy) throw new PipelineException([Missing(stage)]);
        return Append(staticPlan, stage, ClusterScheduler.Plan(policy, Remainder(staticPlan, fleet), now));
    }

    /// <summary>The clusters left for the policy: every registered cluster no static wave holds, so none is planned twice.</summary>
    public static IReadOnlyList<SchedulingFacts> Remainder(ChangePlan staticPlan, IReadOnlyList<SchedulingFacts> fleet)
    {
        var placed = staticPlan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return fleet.Where(f => !placed.Contains(f.Name)).ToList();
    }

    /// <summary>
    /// The static waves, then the policy's waves named after the stage. Unplanned: what the policy left out (its reasons are in
    /// its own preview), and any cluster in the pipeline's scope that is still in no wave.
    /// </summary>
    public static ChangePlan Append(ChangePlan staticPlan, DynamicStage stage, SchedulerPlan dynamicPlan)
    {
        var dynamic = dynamicPlan.ToChangePlan();
        foreach (var wave in dynamic.Waves) wave.Name = WaveName(stage, wave.Name);
        var planned = dynamic.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new ChangePlan
        {
            Waves = [.. staticPlan.Waves, .. dynamic.Waves],
            Unplanned = staticPlan.Unplanned.Where(c => !planned.Contains(c)).Union(dynamic.Unplanned, StringComparer.Ordinal)
                .Order(StringComparer.Ordinal).ToList(),
        };
    }

    private static string Missing(DynamicStage stage) =>
        $"No scheduler policy named '{stage.SchedulerPolicy}': the dynamic stage ('then') must name one that exists.";
}
