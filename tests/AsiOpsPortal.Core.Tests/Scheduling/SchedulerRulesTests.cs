using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Scheduling;

namespace AsiOpsPortal.Core.Tests.Scheduling;

public class SchedulerRulesTests
{
    private static IReadOnlyList<string> Validate(Action<SchedulerPolicyDocument> edit)
    {
        var policy = SchedulerPolicyDocument.Default("balanced");
        edit(policy);
        return SchedulerRules.Validate(policy);
    }

    [Fact]
    public void Validate_FindsNoProblems_ForTheDefaultPolicy() => Assert.Empty(SchedulerRules.Validate(SchedulerPolicyDocument.Default("balanced")));

    [Fact]
    public void Validate_NamesEachProblem_WhenSettingsAreOutOfRange()
    {
        var problems = Validate(p =>
        {
            p.Weights["luck"] = 5;
            p.Weights[ScorePlugins.Tier] = 101;
            p.Filters.Environments = ["dev"];
            p.Filters.Selector = "tier in (";
            p.Shaping.GrowthFactor = 0.5;
            p.Shaping.CanarySize = 80;
            p.Shaping.MaxRegionPercent = 0;
            p.Shaping.Waves.MaxFailures = "lots";
            p.Shaping.Canary.ProgressDeadlineSeconds = 1;
            p.Shaping.EnvironmentOrder = ["test", "prod", "test"];
        });

        Assert.Contains("No scoring plugin is named 'luck'; the plugins are tier, size, health, failures, freshness.", problems);
        Assert.Contains("The weight of 'tier' must be from 0 to 100, not 101.", problems);
        Assert.Contains("Environment filter 'dev' is not in the environment order (test, prod, test), so no wave could hold its clusters.", problems);
        Assert.Contains(problems, p => p.StartsWith("Selector: "));
        Assert.Contains("growthFactor must be from 1 (waves stay the same size) to 10.", problems);
        Assert.Contains("canarySize (80) is above maxWaveSize (50).", problems);
        Assert.Contains("maxRegionPercent must be from 1 to 100.", problems);
        Assert.Contains(problems, p => p.StartsWith("Waves: maxFailures 'lots'"));
        Assert.Contains("Canary wave: progressDeadlineSeconds must be at least 10.", problems);
        Assert.Contains("Environment 'test' appears 2 times in the environment order.", problems);
    }

    [Fact]
    public void Validate_AsksForAWeight_WhenEveryPluginWeighsZero() =>
        Assert.Equal(["Give at least one scoring plugin a weight above 0, or every cluster would tie."],
            Validate(p => { foreach (var plugin in ScorePlugins.Names) p.Weights[plugin] = 0; }));

    [Fact]
    public void Validate_RejectsName_WhenItIsNotADnsLabel() =>
        Assert.Equal([AsiOpsPortal.Core.Pipelines.PipelineRules.NameRule], SchedulerRules.Validate(SchedulerPolicyDocument.Default("Not OK")));
}

public class SchedulerYamlTests
{
    [Fact]
    public void Import_GivesBackWhatExportWrote()
    {
        var policy = SchedulerPolicyDocument.Default("balanced") with { Description = "Test first: 'quotes', #hash and 10%" };
        policy.Filters.Selector = "gpu!=true,tier in (1,2,3)";
        policy.Filters.Regions = ["cn-hangzhou"];
        policy.Weights[ScorePlugins.Tier] = 5;
        policy.Shaping.GrowthFactor = 1.5;
        policy.Shaping.Waves.MaxFailures = "10%";
        policy.Shaping.Canary.MaxFailures = "0";

        var yaml = SchedulerYaml.Export(policy);
        var back = SchedulerYaml.Import(yaml);

        Assert.Equal(yaml, SchedulerYaml.Export(back));
        Assert.Equal(policy.Description, back.Description);
        Assert.Equal(policy.Weights, back.Weights);
        Assert.Equal("gpu!=true,tier in (1,2,3)", back.Filters.Selector);
        Assert.Equal(1.5, back.Shaping.GrowthFactor);
        Assert.Equal("10%", back.Shaping.Waves.MaxFailures);
        Assert.Equal("0", back.Shaping.Canary.MaxFailures);
    }

    [Fact]
    public void Import_ReadsJson_AndKeepsDefaultsForSectionsLeftOut()
    {
        var policy = SchedulerYaml.Import("""{"name": "tiny", "weights": {"tier": 1}, "shaping": {"canarySize": 1, "environmentOrder": ["staging", "prod"]}}""");

        Assert.Equal("tiny", policy.Name);
        Assert.Equal(new Dictionary<string, int> { ["tier"] = 1 }, policy.Weights);
        Assert.Equal(["staging", "prod"], policy.Shaping.EnvironmentOrder);
        Assert.Equal(1, policy.Shaping.CanarySize);
        Assert.Equal(new WaveShaping().MaxWaveSize, policy.Shaping.MaxWaveSize);
        Assert.True(policy.Filters.ExcludeStale);
    }

    [Fact]
    public void Import_ReadsTheReadmeExample_AsAValidPolicy()
    {
        var policy = SchedulerYaml.Import(ReadmeExample);

        Assert.Empty(SchedulerRules.Validate(policy));
        Assert.Equal("gpu!=true", policy.Filters.Selector);
        Assert.Equal("10%", policy.Shaping.Waves.MaxFailures);
        Assert.Equal(120, policy.Shaping.TierZero.MinSuccessSeconds);
    }

    /// <summary>The policy docs/scheduler.md shows; keep the two the same.</summary>
    private const string ReadmeExample = """
        name: balanced                  # demo mode seeds this one
        description: Least critical, healthiest and smallest clusters first.
        filters:
          environments: []
          regions: []
          selector: gpu!=true           # optional
          excludeUnreachable: true
          excludeStale: true
        weights:
          tier: 4
          size: 1
          health: 3
          failures: 2
          freshness: 1
        shaping:
          environmentOrder:
            - test
            - staging
            - prod
          canarySize: 2
          firstWaveSize: 2
          growthFactor: 2
          maxWaveSize: 10
          maxRegionPercent: 50
          tierZeroLast: true
          canary: {maxConcurrency: 1, minSuccessSeconds: 60, progressDeadlineSeconds: 600, maxFailures: "0"}
          waves: {maxConcurrency: 2, minSuccessSeconds: 60, progressDeadlineSeconds: 600, maxFailures: 10%}
          tierZero: {maxConcurrency: 1, minSuccessSeconds: 120, progressDeadlineSeconds: 600, maxFailures: "0"}
        """;

    [Fact]
    public void Import_NamesTheLineOfAnUnknownKey()
    {
        var error = Assert.Throws<SchedulerPolicyException>(() => SchedulerYaml.Import("name: x\nshaping:\n  canarySise: 2\n"));
        Assert.Equal(["Line 3, column 3: shaping.canarySise is not a known key; did you mean 'canarySize'?"], error.Problems);
    }

    [Fact]
    public void Import_RefusesDuplicateKeys() =>
        Assert.Throws<SchedulerPolicyException>(() => SchedulerYaml.Import("name: x\nname: y\n"));
}

public class PlanDiffTests
{
    private static ChangePlan Plan(params (string Wave, string[] Clusters)[] waves) => new()
    {
        Waves = waves.Select(w => new PlannedWave { Name = w.Wave, Clusters = w.Clusters.Select(c => new PlannedCluster { Name = c }).ToList() }).ToList(),
    };

    [Fact]
    public void Between_ListsAddedRemovedAndMovedClusters()
    {
        var diff = PlanDiff.Between(Plan(("canary", ["a", "b"]), ("prod-1", ["c", "d"])), Plan(("canary", ["b", "a"]), ("prod-1", ["e"]), ("prod-2", ["c"])));

        Assert.Equal(["e"], diff.Added);
        Assert.Equal(["d"], diff.Removed);
        Assert.Equal([new MovedCluster("c", "prod-1", "prod-2")], diff.Moved);
        Assert.Equal("1 added, 1 removed, 1 moved", diff.Summary());
    }

    [Fact]
    public void Between_IsEmpty_WhenOnlyPositionsWithinAWaveChanged() =>
        Assert.True(PlanDiff.Between(Plan(("w", ["a", "b"])), Plan(("w", ["b", "a"]))).IsEmpty);
}
