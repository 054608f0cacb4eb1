using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Pipelines;

public class PipelineDiffTests
{
    private static PipelineDocument Standard() => new("standard", "Test first.", "environment in (test,prod)",
    [
        new WaveSpec { Name = "canary", Clusters = ["test-hz-01", "test-sh-01"], Canary = true, MinSuccessSeconds = 30 },
        new WaveSpec { Name = "prod", Selector = "environment=prod" },
    ]);

    [Fact]
    public void Summarize_NamesScopeAndEachWave()
    {
        Assert.Equal("scope 'environment in (test,prod)'; waves: canary (2 clusters, canary), prod (selector 'environment=prod')",
            PipelineDiff.Summarize(Standard()));
    }

    [Fact]
    public void Describe_SaysHowTheDynamicStageChanged_WhenItIsAddedChangedOrRemoved()
    {
        var balanced = Standard() with { Then = new DynamicStage { SchedulerPolicy = "balanced" } };
        var spread = Standard() with { Then = new DynamicStage { SchedulerPolicy = "spread", NamePrefix = "rest" } };

        Assert.Equal("then none → policy 'balanced'", PipelineDiff.Describe(Standard(), balanced));
        Assert.Equal("then policy 'balanced' → policy 'spread' (waves named 'rest · …')", PipelineDiff.Describe(balanced, spread));
        Assert.Equal("then policy 'balanced' → none", PipelineDiff.Describe(balanced, Standard()));
        Assert.Equal("no changes", PipelineDiff.Describe(balanced, Standard() with { Then = new DynamicStage { SchedulerPolicy = "balanced" } }));
        Assert.EndsWith("; then policy 'balanced'", PipelineDiff.Summarize(balanced));
    }

    [Fact]
    public void Describe_SaysNoChanges_WhenNothingChanged() =>
        Assert.Equal("no changes", PipelineDiff.Describe(Standard(), Standard()));

    [Fact]
    public void Describe_ListsEachChange_WhenWavesAndSettingsChange()
    {
        var after = Standard();
        after.Waves[0].Clusters = ["test-sh-01", "test-bj-01"];
        after.Waves[0].MaxConcurrency = 2;
        after.Waves[1].Selector = "environment=prod,tier!=0";
        after.Waves.Add(new WaveSpec { Name = "tier0", Clusters = ["prod-hz-01"] });

        Assert.Equal(
            "wave 'canary': clusters +test-bj-01 -test-hz-01, maxConcurrency 1 → 2; "
            + "wave 'prod': selector 'environment=prod' → 'environment=prod,tier!=0'; wave 'tier0' added (1 cluster)",
            PipelineDiff.Describe(Standard(), after));
    }

    [Fact]
    public void Describe_NoticesReordering_OfWavesAndOfClusters()
    {
        var after = Standard() with { Scope = null, Description = "Prod last." };
        after.Waves.Reverse();
        after.Waves[1].Clusters.Reverse();

        Assert.Equal("description changed; scope 'environment in (test,prod)' → none; waves reordered: prod, canary; wave 'canary': clusters reordered",
            PipelineDiff.Describe(Standard(), after));
    }

    [Fact]
    public void Describe_NamesRemovedWaves() =>
        Assert.Equal("wave 'prod' removed", PipelineDiff.Describe(Standard(), Standard() with { Waves = [Standard().Waves[0]] }));
}
