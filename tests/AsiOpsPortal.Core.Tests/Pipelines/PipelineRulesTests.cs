using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Pipelines;

public class PipelineRulesTests
{
    /// <summary>Nine clusters: three per environment, listed out of name order so ordering is the code's doing.</summary>
    private static readonly IReadOnlyList<ClusterFacts> Fleet =
    [
        Cluster("prod-sh-01", "prod", 0),
        Cluster("test-hz-02", "test", 3),
        Cluster("staging-hz-01", "staging", 2),
        Cluster("prod-hz-02", "prod", 1),
        Cluster("test-hz-01", "test", 3, ("gpu", "true")),
        Cluster("staging-sh-01", "staging", 2),
        Cluster("prod-hz-01", "prod", 1, ("gpu", "true")),
        Cluster("test-sh-01", "test", 3),
        Cluster("staging-bj-01", "staging", 2),
    ];

    private static ClusterFacts Cluster(string name, string environment, int tier, params (string Key, string Value)[] labels) =>
        new(Guid.NewGuid(), name, environment, "cn-" + name.Split('-')[1], "", tier, labels.ToDictionary(l => l.Key, l => l.Value));

    private static WaveSpec Wave(string name, string[]? clusters = null, string? selector = null) =>
        new() { Name = name, Clusters = [.. clusters ?? []], Selector = selector };

    private static Pipeline Pipeline(string? scope, params WaveSpec[] waves) => new() { Name = "standard", Scope = scope, Waves = [.. waves] };

    private static IReadOnlyList<string> Validate(params WaveSpec[] waves) => PipelineRules.Validate("standard", waves, null, Fleet);

    private static List<string> Names(AsiOpsPortal.Core.Changes.PlannedWave wave) => wave.Clusters.Select(c => c.Name).ToList();

    [Fact]
    public void Validate_FindsNoProblems_WhenPipelineIsSound()
    {
        var problems = PipelineRules.Validate("standard",
            [Wave("canary", ["test-hz-02", "test-hz-01"]), Wave("staging", selector: "environment=staging"), Wave("prod", selector: "environment=prod")],
            "environment in (test,staging,prod)", Fleet);

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Standard")]
    [InlineData("standard-")]
    [InlineData("prod_waves")]
    [InlineData("a-name-that-is-far-too-long-to-be-a-dns-label-because-it-has-64ch")]
    public void Validate_RejectsName_WhenItIsNotADnsLabel(string name) =>
        Assert.Equal([PipelineRules.NameRule], PipelineRules.Validate(name, [Wave("all", selector: "tier")], null, Fleet));

    [Fact]
    public void Validate_AsksForAWave_WhenThereIsNone() =>
        Assert.Equal(["A pipeline needs at least one wave."], Validate());

    [Fact]
    public void Validate_NamesTheWaveByPosition_WhenItHasNoName() =>
        Assert.Equal(["Wave 2 has no name."], Validate(Wave("canary", ["test-hz-01"]), Wave("  ", ["test-hz-02"])));

    [Fact]
    public void Validate_RejectsDuplicateWaveNames_IgnoringCase() =>
        Assert.Equal(["Wave name 'prod' is used by 2 waves; each wave needs its own name."],
            Validate(Wave("prod", ["prod-hz-01"]), Wave("Prod", ["prod-hz-02"])));

    [Fact]
    public void Validate_ExplainsEachBadSetting_WhenWaveSettingsAreOutOfRange()
    {
        var wave = Wave("canary", ["test-hz-01"]);
        wave.MaxConcurrency = 0;
        wave.MinSuccessSeconds = -1;
        wave.ProgressDeadlineSeconds = 9;
        wave.MaxFailures = "two";

        Assert.Equal(
        [
            "Wave 'canary': maxConcurrency must be at least 1.",
            "Wave 'canary': minSuccessSeconds must be 0 or more.",
            "Wave 'canary': progressDeadlineSeconds must be at least 10.",
            "Wave 'canary': maxFailures 'two' must be a whole number of clusters (e.g. 2) or a percentage (e.g. 10%).",
        ], Validate(wave));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    [InlineData("10%")]
    [InlineData("100%")]
    public void Validate_AcceptsMaxFailures_WhenItIsACountOrAPercentage(string maxFailures)
    {
        var wave = Wave("prod", selector: "environment=prod");
        wave.MaxFailures = maxFailures;

        Assert.Empty(Validate(wave));
    }

    [Fact]
    public void Validate_ReportsSelectorSyntax_ForWavesAndScope()
    {
        var problems = PipelineRules.Validate("standard", [Wave("prod", selector: "environment in (prod")], "tier in ()", Fleet);

        Assert.Equal(
        [
            "Scope selector: 'tier in ()' needs at least one value at position 10.",
            "Wave 'prod' selector: expected ')' to close the list after 'prod' at position 21.",
        ], problems);
    }

    [Fact]
    public void Validate_ReportsUnknownAndEmptyAndRepeatedClusterNames()
    {
        var problems = Validate(Wave("canary", ["test-hz-01", "test-hz-99", "", "test-hz-01"]));

        Assert.Equal(
        [
            "Wave 'canary': no cluster named 'test-hz-99' is registered.",
            "Wave 'canary' lists an empty cluster name.",
            "Wave 'canary' lists 'test-hz-01' twice.",
        ], problems);
    }

    [Fact]
    public void Validate_RejectsACluster_WhenTwoWavesListIt() =>
        Assert.Equal(["Cluster 'test-hz-01' is in two waves: 'canary' (listed) and 'test' (listed); a cluster may be in only one wave."],
            Validate(Wave("canary", ["test-hz-01"]), Wave("test", ["test-hz-02", "test-hz-01"])));

    [Fact]
    public void Validate_RejectsACluster_WhenALaterSelectorMatchesAClusterAlreadyListed() =>
        Assert.Equal(["Cluster 'test-hz-01' is in two waves: 'canary' (listed) and 'test' (by selector); a cluster may be in only one wave."],
            Validate(Wave("canary", ["test-hz-01"]), Wave("test", selector: "environment=test")));

    [Fact]
    public void Validate_RejectsACluster_WhenAnEarlierSelectorAlreadyPlacedIt() =>
        Assert.Equal(["Cluster 'prod-hz-01' is in two waves: 'gpu' (by selector) and 'prod' (listed); a cluster may be in only one wave."],
            Validate(Wave("gpu", selector: "gpu=true"), Wave("prod", ["prod-hz-01"])));

    [Fact]
    public void Validate_AllowsAWaveToListAClusterItsOwnSelectorMatches() =>
        Assert.Empty(Validate(Wave("test", ["test-sh-01"], "environment=test")));

    [Fact]
    public void Plan_OrdersListedClustersAsWrittenThenSelectorMatchesByName()
    {
        var plan = PipelineRules.Plan(Pipeline(null,
            Wave("canary", ["test-sh-01", "test-hz-02"]),
            Wave("gpu", ["test-hz-01"], "gpu=true"),
            Wave("staging", selector: "environment=staging")), Fleet);

        Assert.Equal(["canary", "gpu", "staging"], plan.Waves.Select(w => w.Name));
        Assert.Equal(["test-sh-01", "test-hz-02"], Names(plan.Waves[0]));
        Assert.Equal(["test-hz-01", "prod-hz-01"], Names(plan.Waves[1]));
        Assert.Equal(["staging-bj-01", "staging-hz-01", "staging-sh-01"], Names(plan.Waves[2]));
    }

    [Fact]
    public void Plan_GivesTheSamePlan_WhateverOrderTheFleetArrivesIn()
    {
        var pipeline = Pipeline("tier", Wave("first", ["prod-sh-01"], "tier in (1,2)"), Wave("rest", selector: "environment in (test)"));
        var shuffled = Fleet.OrderBy(_ => Guid.NewGuid()).ToList();

        var a = PipelineRules.Plan(pipeline, Fleet);
        var b = PipelineRules.Plan(pipeline, shuffled);

        Assert.Equal(a.Waves.Select(Names), b.Waves.Select(Names));
        Assert.Equal(["prod-sh-01", "prod-hz-01", "prod-hz-02", "staging-bj-01", "staging-hz-01", "staging-sh-01"], Names(a.Waves[0]));
        Assert.Equal(a.Unplanned, b.Unplanned);
    }

    [Fact]
    public void Plan_CopiesWaveSettingsAndClusterFacts()
    {
        var canary = Wave("canary", ["test-hz-01"]);
        (canary.MaxConcurrency, canary.MinSuccessSeconds, canary.ProgressDeadlineSeconds, canary.MaxFailures, canary.Canary) = (2, 30, 120, "10%", true);

        var wave = Assert.Single(PipelineRules.Plan(Pipeline(null, canary), Fleet).Waves);

        Assert.Equal((2, 30, 120, "10%", true), (wave.MaxConcurrency, wave.MinSuccessSeconds, wave.ProgressDeadlineSeconds, wave.MaxFailures, wave.Canary));
        var cluster = Assert.Single(wave.Clusters);
        var facts = Fleet.Single(c => c.Name == "test-hz-01");
        Assert.Equal((facts.Id, "test-hz-01", "test"), (cluster.ClusterId, cluster.Name, cluster.Environment));
        Assert.Null(cluster.PreviousVersion);
        Assert.Null(cluster.PreviousVersionId);
    }

    [Fact]
    public void Plan_ListsClustersInScopeThatNoWaveHolds_ByName()
    {
        var plan = PipelineRules.Plan(Pipeline("environment in (test,staging)", Wave("canary", ["test-hz-01"]), Wave("staging", ["staging-sh-01"])), Fleet);

        Assert.Equal(["staging-bj-01", "staging-hz-01", "test-hz-02", "test-sh-01"], plan.Unplanned);
    }

    [Fact]
    public void Plan_LeavesNothingUnplanned_WhenThereIsNoScope() =>
        Assert.Empty(PipelineRules.Plan(Pipeline(null, Wave("canary", ["test-hz-01"])), Fleet).Unplanned);

    [Fact]
    public void Plan_KeepsAnEmptyWave_WhenItsSelectorMatchesNothing()
    {
        var plan = PipelineRules.Plan(Pipeline(null, Wave("gpu-staging", selector: "environment=staging,gpu"), Wave("test", selector: "environment=test")), Fleet);

        Assert.Equal(["gpu-staging", "test"], plan.Waves.Select(w => w.Name));
        Assert.Empty(plan.Waves[0].Clusters);
        Assert.Equal(3, plan.Waves[1].Clusters.Count);
    }

    [Fact]
    public void Plan_ThrowsWithEveryProblem_WhenSelectorsOverlap()
    {
        var error = Assert.Throws<PipelineException>(() => PipelineRules.Plan(
            Pipeline(null, Wave("gpu", selector: "gpu=true"), Wave("test", selector: "environment=test")), Fleet));

        Assert.Equal(["Cluster 'test-hz-01' is in two waves: 'gpu' (by selector) and 'test' (by selector); a cluster may be in only one wave."], error.Problems);
        Assert.Contains("test-hz-01", error.Message);
    }

    [Fact]
    public void Resolve_SeparatesListedFromMatchedAndCountsTheScope()
    {
        var resolution = PipelineRules.Resolve([Wave("test", ["test-sh-01"], "environment=test")], "environment!=prod", Fleet);

        var wave = Assert.Single(resolution.Waves);
        Assert.Equal(["test-sh-01"], wave.Listed);
        Assert.Equal(["test-hz-01", "test-hz-02"], wave.Matched);
        Assert.Equal(6, resolution.InScope);
        Assert.Equal(["staging-bj-01", "staging-hz-01", "staging-sh-01"], resolution.Unplanned);
    }
}
