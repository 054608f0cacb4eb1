using AsiOpsPortal.Core.Clusters;

namespace AsiOpsPortal.Core.Tests;

public class NodeRulesTests
{
    [Fact]
    public void PoolOf_PrefersOurLabel_WhenSeveralProvidersLabelTheNode()
    {
        var labels = new Dictionary<string, string>
        {
            ["eks.amazonaws.com/nodegroup"] = "eks-group",
            ["agentpool"] = "aks-pool",
            ["asiops.io/pool"] = "gpu",
            ["node.kubernetes.io/pool"] = "generic",
        };

        Assert.Equal("gpu", NodeRules.PoolOf(labels));
    }

    [Theory]
    [InlineData("node.kubernetes.io/pool", "agentpool")]
    [InlineData("agentpool", "cloud.google.com/gke-nodepool")]
    [InlineData("cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup")]
    [InlineData("eks.amazonaws.com/nodegroup", "alibabacloud.com/nodepool-id")]
    public void PoolOf_FollowsProviderPrecedence_WhenOurLabelIsAbsent(string winner, string loser)
    {
        var labels = new Dictionary<string, string> { [loser] = "loser", [winner] = "winner" };

        Assert.Equal("winner", NodeRules.PoolOf(labels));
    }

    [Fact]
    public void PoolOf_SkipsEmptyValue_WhenAHigherLabelIsBlank()
    {
        var labels = new Dictionary<string, string> { ["asiops.io/pool"] = "", ["agentpool"] = "system" };

        Assert.Equal("system", NodeRules.PoolOf(labels));
    }

    [Theory]
    [InlineData("alibabacloud.com/nodepool-id", "np-1234")]
    [InlineData("cloud.google.com/gke-nodepool", "default-pool-2")]
    public void PoolOf_ReadsProviderLabel_WhenItIsTheOnlyOne(string key, string pool) =>
        Assert.Equal(pool, NodeRules.PoolOf(new Dictionary<string, string> { [key] = pool, ["kubernetes.io/hostname"] = "n1" }));

    [Fact]
    public void PoolOf_ReturnsDefault_WhenNoPoolLabel() =>
        Assert.Equal("default", NodeRules.PoolOf(new Dictionary<string, string> { ["kubernetes.io/hostname"] = "n1", ["pool"] = "ignored" }));

    [Fact]
    public void IsReady_ReturnsTrue_WhenReadyConditionIsTrue() =>
        Assert.True(NodeRules.IsReady([
            new NodeCondition("MemoryPressure", "False", null, null),
            new NodeCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]));

    [Theory]
    [InlineData("False")]
    [InlineData("Unknown")]
    [InlineData("true")]
    [InlineData("")]
    public void IsReady_ReturnsFalse_WhenReadyConditionIsNotTrue(string status) =>
        Assert.False(NodeRules.IsReady([new NodeCondition("Ready", status, "NodeStatusUnknown", "Kubelet stopped posting node status.")]));

    [Fact]
    public void IsReady_ReturnsFalse_WhenThereIsNoReadyCondition() =>
        Assert.False(NodeRules.IsReady([new NodeCondition("DiskPressure", "True", null, null)]));

    [Fact]
    public void IsReady_ReturnsFalse_WhenNoConditionsAtAll() =>
        Assert.False(NodeRules.IsReady([]));

    private static readonly NodeCondition[] ReadyTrue = [new("Ready", "True", "KubeletReady", "kubelet is posting ready status")];

    private static long Print(string pool = "general", bool ready = true, bool schedulable = true, string kubelet = "v1.31.4",
        NodeCondition[]? conditions = null, Dictionary<string, string>? labels = null) =>
        NodeRules.Fingerprint(pool, ready, schedulable, kubelet, conditions ?? ReadyTrue, labels ?? new() { ["zone"] = "a", ["pool"] = "general" });

    [Fact]
    public void Fingerprint_IgnoresLabelOrder()
    {
        var forward = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" };
        var backward = new Dictionary<string, string> { ["c"] = "3", ["b"] = "2", ["a"] = "1" };

        Assert.Equal(Print(labels: forward), Print(labels: backward));
    }

    [Fact]
    public void Fingerprint_Changes_WhenAnyKeptFieldChanges()
    {
        var prints = new[]
        {
            Print(),
            Print(pool: "gpu"),
            Print(ready: false),
            Print(schedulable: false),
            Print(kubelet: "v1.32.1"),
            Print(conditions: [new("Ready", "Unknown", "NodeStatusUnknown", "kubelet stopped posting")]),
            Print(conditions: [new("Ready", "True", "KubeletReady", null)]),
            Print(labels: new() { ["zone"] = "b", ["pool"] = "general" }),
            Print(labels: new() { ["zone"] = "a" }),
        };

        Assert.Equal(prints.Length, prints.Distinct().Count());
    }

    [Fact]
    public void Fingerprint_KeepsFieldBoundaries()
    {
        var split = Print(labels: new() { ["ab"] = "c" });
        var shifted = Print(labels: new() { ["a"] = "bc" });
        var nullMessage = Print(conditions: [new("Ready", "True", null, "x")]);
        var emptyMessage = Print(conditions: [new("Ready", "True", "", "x")]);

        Assert.NotEqual(split, shifted);
        Assert.NotEqual(nullMessage, emptyMessage);
    }
}
