using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests;

public class ConvergenceRulesTests
{
    private static LiveObject Workload(string kind = "Deployment", long generation = 2, long? observed = 2, WorkloadCounts? counts = null,
        IReadOnlyList<string>? images = null, string? stalled = null) =>
        new(new ObjectRef("apps/v1", kind, "web", "shop"), new Dictionary<string, string>(), generation, observed,
            counts ?? new WorkloadCounts(3, 3, 3, 3), images ?? ["web:1.2"]) { Stalled = stalled };

    [Fact]
    public void Evaluate_IsNotDone_WhenObjectDoesNotExist() =>
        Assert.Equal(new Convergence(false, "not found"), ConvergenceRules.Evaluate(null));

    [Theory]
    [InlineData("Deployment")]
    [InlineData("StatefulSet")]
    [InlineData("DaemonSet")]
    public void Evaluate_IsDone_WhenEveryPodIsUpdatedAndAvailable(string kind) =>
        Assert.Equal(new Convergence(true, "3/3 updated, 3/3 available"), ConvergenceRules.Evaluate(Workload(kind)));

    private static LiveObject StatefulSet(int replicas, int updated, int available, string current, string update, int? partition = null)
    {
        var strategy = new JsonObject { ["type"] = "RollingUpdate" };
        if (partition is { } p) strategy["rollingUpdate"] = new JsonObject { ["partition"] = p };
        var sts = new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "StatefulSet",
            ["metadata"] = new JsonObject { ["name"] = "db", ["namespace"] = "shop", ["generation"] = 2 },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas, ["updateStrategy"] = strategy,
                ["template"] = JsonNode.Parse("""{"spec": {"containers": [{"name": "db", "image": "db:2"}]}}"""),
            },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = 2, ["replicas"] = replicas, ["updatedReplicas"] = updated, ["readyReplicas"] = available,
                ["availableReplicas"] = available, ["currentRevision"] = current, ["updateRevision"] = update,
            },
        };
        return LiveObject.FromJson(sts.ToJsonString());
    }

    [Fact]
    public void Evaluate_WaitsForAStatefulSetsRevisionsToMeet_EvenWhenItsCountsLookDone()
    {
        var rolling = ConvergenceRules.Evaluate(StatefulSet(3, 3, 3, current: "db-1", update: "db-2"));
        var done = ConvergenceRules.Evaluate(StatefulSet(3, 3, 3, current: "db-2", update: "db-2"));

        Assert.Equal(new Convergence(false, "waiting: pods still on revision db-1, rolling to db-2 (image db:2)"), rolling);
        Assert.Equal(new Convergence(true, "3/3 updated, 3/3 available"), done);
    }

    [Fact]
    public void Evaluate_IsDone_WhenAPartitionedStatefulSetUpdatedEveryPodAbovePartition()
    {
        var staged = ConvergenceRules.Evaluate(StatefulSet(3, 1, 3, current: "db-1", update: "db-2", partition: 2));
        var shortOfIt = ConvergenceRules.Evaluate(StatefulSet(3, 0, 3, current: "db-1", update: "db-2", partition: 2));

        Assert.Equal(new Convergence(true, "1/3 updated (partition 2 keeps the rest), 3/3 available"), staged);
        Assert.Equal(new Convergence(false, "waiting: 0/1 updated (partition 2 keeps the rest) (image db:2)"), shortOfIt);
    }

    [Fact]
    public void Evaluate_SaysWhichImageWaits_WhenPodsAreUpdatedButNotAvailable()
    {
        var result = ConvergenceRules.Evaluate(Workload(counts: new WorkloadCounts(3, 3, 0, 0), images: ["web:1.2-broken"]));

        Assert.Equal(new Convergence(false, "waiting: 0/3 available (image web:1.2-broken)"), result);
    }

    [Fact]
    public void Evaluate_ListsEveryShortfallAndImage_WhenRolloutIsHalfway()
    {
        var result = ConvergenceRules.Evaluate(Workload(counts: new WorkloadCounts(4, 1, 3, 3), images: ["web:1.3", "envoy:1.31"]));

        Assert.Equal(new Convergence(false, "waiting: 1/4 updated, 3/4 available (images web:1.3, envoy:1.31)"), result);
    }

    [Fact]
    public void Evaluate_AddsTheControllersWords_WhenRolloutStalled()
    {
        var result = ConvergenceRules.Evaluate(Workload(counts: new WorkloadCounts(3, 3, 0, 0),
            stalled: "ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing."));

        Assert.False(result.Done);
        Assert.Equal("waiting: 0/3 available (image web:1.2); ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing.", result.Summary);
    }

    [Fact]
    public void Evaluate_WaitsForTheController_WhenItHasNotSeenTheNewGeneration()
    {
        // Old counts look converged, but they describe generation 2, not the change that made generation 3.
        var result = ConvergenceRules.Evaluate(Workload(generation: 3, observed: 2));

        Assert.Equal(new Convergence(false, "waiting: the controller has seen generation 2 of 3"), result);
    }

    [Fact]
    public void Evaluate_WaitsForTheController_WhenItHasReportedNothing() =>
        Assert.Equal(new Convergence(false, "waiting: the controller has not reported on generation 1 yet"),
            ConvergenceRules.Evaluate(Workload(generation: 1, observed: null)));

    [Fact]
    public void Evaluate_IsDone_WhenObservedGenerationIsAhead() =>
        Assert.True(ConvergenceRules.Evaluate(Workload(generation: 2, observed: 3)).Done);

    [Fact]
    public void Evaluate_IsNotDone_WhenSurgePodsAreStillAvailable() =>
        Assert.False(ConvergenceRules.Evaluate(Workload(counts: new WorkloadCounts(3, 3, 4, 4))).Done);

    [Fact]
    public void Evaluate_IsDone_WhenWorkloadIsScaledToZero() =>
        Assert.Equal(new Convergence(true, "0/0 updated, 0/0 available"), ConvergenceRules.Evaluate(Workload(counts: new WorkloadCounts(0, 0, 0, 0))));

    [Fact]
    public void Evaluate_WaitsForCounts_WhenWorkloadHasNoCounts() =>
        Assert.False(ConvergenceRules.Evaluate(Workload() with { Counts = null }).Done);

    [Theory]
    [InlineData("ConfigMap")]
    [InlineData("Service")]
    [InlineData("Job")]
    [InlineData("Namespace")]
    public void Evaluate_IsDone_WhenAnObjectThatIsNotAWorkloadExists(string kind)
    {
        var live = new LiveObject(new ObjectRef("v1", kind, "x", null), new Dictionary<string, string>(), 1, null, null, []);

        Assert.Equal(new Convergence(true, "exists"), ConvergenceRules.Evaluate(live));
    }

    [Theory]
    [InlineData("Deployment", true)]
    [InlineData("StatefulSet", true)]
    [InlineData("DaemonSet", true)]
    [InlineData("CronJob", false)]
    [InlineData("deployment", false)]
    public void IsWorkload_TracksOnlyKindsWithPodCounts_WhenAskedAboutAKind(string kind, bool expected) =>
        Assert.Equal(expected, ConvergenceRules.IsWorkload(kind));
}
