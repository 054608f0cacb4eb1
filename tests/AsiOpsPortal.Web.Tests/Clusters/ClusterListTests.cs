using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Web.Clusters.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class ClusterListTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(ClusterListTests));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    /// <summary>30 clusters, ten per environment; two unreachable and two with NotReady nodes, spread across pages by name.</summary>
    private Task SeedThirtyAsync() => _portal.SeedAsync(
        [.. Enumerable.Range(1, 10).SelectMany(i => new[]
        {
            new SeedCluster($"test-hz-{i:D2}", "test", "cn-hangzhou", Tier: 3, Nodes: 2,
                Unreachable: i == 9 ? $"test-hz-{i:D2}: connection refused" : null),
            new SeedCluster($"staging-sh-{i:D2}", "staging", "cn-shanghai", Tier: 2, Nodes: 4, NotReady: i == 7 ? 1 : 0),
            new SeedCluster($"prod-bj-{i:D2}", "prod", "cn-beijing", Tier: 0, Nodes: 4,
                NotReady: i == 10 ? 3 : 0, Unreachable: i == 8 ? $"prod-bj-{i:D2}: TLS handshake failed" : null),
        })]);

    [Fact]
    public async Task Explore()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await SeedThirtyAsync();
        File.WriteAllText("/tmp/seedtime", sw.Elapsed.ToString());
        var cut = _portal.Render<ClusterTable>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=cluster-link]")), Timeout);
        File.WriteAllText("/tmp/table.html", cut.Markup);
        cut.Find("div.mud-select > div.mud-input-control").MouseDown();
        File.WriteAllText("/tmp/popover.html", _portal.Popovers.Markup);
    }
}
