using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests;

public class LiveObjectTests
{
    [Fact]
    public void FromJson_ReadsDeploymentCountsImagesAndAnnotations_WhenStatusIsComplete()
    {
        var live = LiveObject.FromJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"shop","generation":4,"annotations":{"asiops.io/change":"7"}},
             "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"web","image":"web:1.3"}]}}},
             "status":{"observedGeneration":4,"replicas":3,"updatedReplicas":3,"readyReplicas":2,"availableReplicas":1}}
            """);

        Assert.Equal(new ObjectRef("apps/v1", "Deployment", "web", "shop"), live.Ref);
        Assert.Equal(4, live.Generation);
        Assert.Equal(4, live.ObservedGeneration);
        Assert.Equal(new WorkloadCounts(3, 3, 2, 1), live.Counts);
        Assert.Equal(["web:1.3"], live.Images);
        Assert.Equal("7", live.Annotations["asiops.io/change"]);
        Assert.Null(live.Stalled);
    }

    [Fact]
    public void FromJson_CountsMissingFieldsAsZeroAndReplicasAsOne_WhenApiOmitsThem()
    {
        var live = LiveObject.FromJson("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","generation":1},
             "spec":{},"status":{"observedGeneration":1}}
            """);

        Assert.Equal(new WorkloadCounts(1, 0, 0, 0), live.Counts);
    }

    [Fact]
    public void FromJson_ReadsNodeCounts_WhenObjectIsADaemonSet()
    {
        var live = LiveObject.FromJson("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system","generation":2},
             "status":{"observedGeneration":2,"desiredNumberScheduled":5,"currentNumberScheduled":5,"updatedNumberScheduled":4,"numberReady":5,"numberAvailable":3}}
            """);

        Assert.Equal(new WorkloadCounts(5, 4, 5, 3), live.Counts);
    }

    [Fact]
    public void FromJson_SaysWhyTheRolloutStalled_WhenProgressingIsFalse()
    {
        var live = LiveObject.FromJson("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","generation":2},
             "status":{"observedGeneration":2,"conditions":[
               {"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},
               {"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"web-1\" has timed out progressing."}]}}
            """);

        Assert.Equal("ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing.", live.Stalled);
    }

    [Fact]
    public void FromJson_HasNoCounts_WhenObjectIsNotAWorkload()
    {
        var live = LiveObject.FromJson("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}""");

        Assert.Equal(new ObjectRef("v1", "Namespace", "shop", null), live.Ref);
        Assert.Null(live.Counts);
        Assert.Null(live.ObservedGeneration);
        Assert.Empty(live.Images);
        Assert.Empty(live.Annotations);
    }
}
