using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.Core.Tests;

/// <summary>The in-memory seam other tests build on must keep the real client's contract.</summary>
public class FakeClusterClientTests
{
    private static readonly ClusterTarget Target = new(Guid.NewGuid(), "test-hz-01", "", "");
    private static readonly IReadOnlyDictionary<string, string> Stamp = new Dictionary<string, string> { ["asiops.io/change"] = "7" };

    private static IReadOnlyList<ManifestObject> Shop(string image) => Manifests.Parse($$$"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shop-config, namespace: shop}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop, namespace: shop}
        spec:
          replicas: 2
          template: {spec: {containers: [{name: shop, image: "{{{image}}}"}]}}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: shop}
        spec:
          template: {spec: {containers: [{name: agent, image: "{{{image}}}"}]}}
        """);

    [Fact]
    public async Task ApplyAsync_ConvergesWorkloadsAtOnceAndLogsEachObject_WhenImagesAreGood()
    {
        var fake = new FakeClusterClient().With(Target.Name, nodes: 4);

        await fake.ApplyAsync(Target, Shop("shop:1.0"), "asiops-portal", Stamp, CancellationToken.None);

        var deployment = await fake.GetObjectAsync(Target, new ObjectRef("apps/v1", "Deployment", "shop", "shop"), CancellationToken.None);
        var daemonSet = await fake.GetObjectAsync(Target, new ObjectRef("apps/v1", "DaemonSet", "agent", "shop"), CancellationToken.None);
        Assert.Equal(new Convergence(true, "2/2 updated, 2/2 available"), ConvergenceRules.Evaluate(deployment));
        Assert.Equal(new Convergence(true, "4/4 updated, 4/4 available"), ConvergenceRules.Evaluate(daemonSet));
        Assert.Equal("7", deployment!.Annotations["asiops.io/change"]);
        Assert.Equal(["shop-config", "shop", "agent"], fake.Applied.Select(a => a.Object.Name));
        Assert.All(fake.Applied, a => Assert.Equal("asiops-portal", a.FieldManager));
    }

    [Fact]
    public async Task ApplyAsync_BumpsGenerationAndNeverConverges_WhenImageTagEndsInBroken()
    {
        var fake = new FakeClusterClient().With(Target.Name, nodes: 3);
        var deployment = new ObjectRef("apps/v1", "Deployment", "shop", "shop");
        await fake.ApplyAsync(Target, Shop("shop:1.0"), "asiops-portal", Stamp, CancellationToken.None);

        await fake.ApplyAsync(Target, Shop("shop:1.1-broken"), "asiops-portal", Stamp, CancellationToken.None);

        var live = await fake.GetObjectAsync(Target, deployment, CancellationToken.None);
        Assert.Equal(2, live!.Generation);
        Assert.Equal(new Convergence(false, "waiting: 0/2 available (image shop:1.1-broken)"), ConvergenceRules.Evaluate(live));
    }

    [Fact]
    public async Task ApplyAsync_StopsAtTheFailingObject_WhenAFailureIsInjected()
    {
        var fake = new FakeClusterClient().With(Target.Name, nodes: 3)
            .FailingApply(Target.Name, "shop", ClusterFailure.Conflict, "test-hz-01: applying Deployment shop/shop: conflict (409).");

        var failure = await Assert.ThrowsAsync<ClusterCallException>(() =>
            fake.ApplyAsync(Target, Shop("shop:1.0"), "asiops-portal", Stamp, CancellationToken.None));

        Assert.Equal(ClusterFailure.Conflict, failure.Failure);
        Assert.Equal(["shop-config"], fake.Applied.Select(a => a.Object.Name));
        Assert.Null(await fake.GetObjectAsync(Target, new ObjectRef("apps/v1", "DaemonSet", "agent", "shop"), CancellationToken.None));
    }

    [Fact]
    public async Task DeleteObjectAsync_RemovesTheObjectAndToleratesItsAbsence_WhenCalledTwice()
    {
        var fake = new FakeClusterClient().With(Target.Name, nodes: 3);
        var config = new ObjectRef("v1", "ConfigMap", "shop-config", "shop");
        await fake.ApplyAsync(Target, Shop("shop:1.0"), "asiops-portal", Stamp, CancellationToken.None);

        await fake.DeleteObjectAsync(Target, config, CancellationToken.None);
        await fake.DeleteObjectAsync(Target, config, CancellationToken.None);

        Assert.Null(await fake.GetObjectAsync(Target, config, CancellationToken.None));
    }
}
