using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;
using static AsiOpsPortal.Core.Tests.Scheduling.SchedulingFleet;

namespace AsiOpsPortal.Core.Tests.Scheduling;

/// <summary>Invariants of <see cref="ClusterScheduler.Plan"/> over random fleets and policies, each case reproducible from its seed.</summary>
public class ClusterSchedulerPropertyTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 150));

    private static (List<SchedulingFacts> Fleet, SchedulerPolicyDocument Policy, SchedulerPlan Plan) Case(int seed)
    {
        var fleet = SchedulingFleet.Random(seed, new Random(seed).Next(0, 300));
        var policy = RandomPolicy(seed);
        return (fleet, policy, ClusterScheduler.Plan(policy, fleet, Now));
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Plan_PlacesEveryEligibleClusterInExactlyOneWave_AndExplainsEveryOtherOne(int seed)
    {
        var (fleet, policy, plan) = Case(seed);
        ClusterSelector.TryParse(policy.Filters.Selector, out var selector, out _);
        var eligible = fleet.Where(c => ClusterScheduler.ExclusionReason(policy.Filters, selector, policy.Shaping.EnvironmentOrder, c, Now) is null)
            .Select(c => c.Name).Order(StringComparer.Ordinal);

        var planned = plan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToList();
        Assert.Equal(planned.Count, planned.Distinct().Count());
        Assert.Equal(eligible, planned.Order(StringComparer.Ordinal));
        Assert.Equal(fleet.Select(c => c.Name).Order(StringComparer.Ordinal),
            planned.Concat(plan.Excluded.Select(e => e.Name)).Order(StringComparer.Ordinal));
        Assert.All(plan.Excluded, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
        Assert.All(plan.Waves, w => Assert.NotEmpty(w.Clusters));
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Plan_KeepsEveryWaveWithinItsCapAndRegionLimit(int seed)
    {
        var (_, policy, plan) = Case(seed);
        var shaping = policy.Shaping;
        Assert.True(plan.Waves.Count(w => w.Kind == ScheduledWaveKind.Canary) <= 1);
        foreach (var wave in plan.Waves)
        {
            Assert.True(wave.Clusters.Count <= (wave.Kind == ScheduledWaveKind.Canary ? shaping.CanarySize : shaping.MaxWaveSize), wave.Name);
            var inEnvironment = plan.Waves.Where(w => w.Environment == wave.Environment).SelectMany(w => w.Clusters).ToList();
            foreach (var region in wave.Clusters.GroupBy(c => c.Region))
            {
                var limit = Math.Max(1, inEnvironment.Count(c => c.Region == region.Key) * shaping.MaxRegionPercent / 100);
                Assert.True(region.Count() <= limit, $"{wave.Name}: {region.Count()} of {region.Key}, limit {limit}");
            }
        }
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Plan_KeepsEnvironmentsInOrder_TierZeroLast_AndRanksInOrderWithinAWave(int seed)
    {
        var (_, policy, plan) = Case(seed);
        var order = policy.Shaping.EnvironmentOrder;
        var positions = plan.Waves.Select(w => order.IndexOf(w.Environment)).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.All(plan.Waves, w => Assert.All(w.Clusters, c => Assert.Equal(w.Environment, c.Environment)));
        foreach (var environment in plan.Waves.GroupBy(w => w.Environment))
        {
            var kinds = environment.Select(w => w.Kind).ToList();
            if (policy.Shaping.TierZeroLast)
            {
                Assert.DoesNotContain(ScheduledWaveKind.Regular, kinds.SkipWhile(k => k != ScheduledWaveKind.TierZero));
                Assert.All(environment, w => Assert.All(w.Clusters, c => Assert.Equal(w.Kind == ScheduledWaveKind.TierZero, c.Tier == ClusterRules.MostCriticalTier)));
            }
        }
        foreach (var (wave, index) in plan.Waves.Select((w, i) => (w, i)))
        {
            Assert.Equal(Enumerable.Range(1, wave.Clusters.Count), wave.Clusters.Select(c => c.Position));
            Assert.All(wave.Clusters, c => Assert.Equal(index + 1, c.Wave));
            var ranks = wave.Clusters.Select(c => c.Rank).ToList();
            Assert.Equal(ranks.Order(), ranks);
        }
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Plan_IsTheSame_WhateverOrderTheFleetComesIn(int seed)
    {
        var (fleet, policy, plan) = Case(seed);
        var shuffled = fleet.OrderBy(_ => Guid.NewGuid()).ToList();

        var again = ClusterScheduler.Plan(policy, shuffled, Now);

        Assert.Equal(Describe(plan), Describe(again));
        Assert.True(PlanDiff.Between(plan.ToChangePlan(), again.ToChangePlan()).IsEmpty);
    }

    private static string Describe(SchedulerPlan plan) =>
        string.Join("\n", plan.Waves.Select(w => $"{w.Name} {w.Why}: " + string.Join(",", w.Clusters.Select(c => $"{c.Name}={c.Total}/{c.Why}"))))
        + "\nexcluded: " + string.Join(",", plan.Excluded.Select(e => $"{e.Name}={e.Reason}"));
}
