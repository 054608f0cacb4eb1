using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Pages;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Web.Tests.Defender;

/// <summary>The red banner every page shows while the defender is lifted for a cluster.</summary>
public sealed class BreakGlassBannerTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin", Roles.Admin);
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(BreakGlassBannerTests));
        await _portal.SeedAsync(new PortalTestContext.SeedCluster("prod-hangzhou-01", "prod", "hangzhou"));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private BreakGlassService BreakGlass => _portal.Bunit.Services.GetRequiredService<BreakGlassService>();

    [Fact]
    public async Task Banner_NamesTheClusterWhoWhyAndUntilWhen_WhileTheDefenderIsLifted_AndGoesWhenItEnds()
    {
        var openBefore = _portal.Render<BreakGlassBanner>();

        var glass = await BreakGlass.StartAsync(new BreakGlassRequest("prod-hangzhou-01", 15, "etcd restore <b>now</b>"), Admin);
        var cut = _portal.Render<BreakGlassBanner>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=break-glass-banner]")), PortalTestContext.WaitTimeout);
        var banner = cut.Find("[data-testid=break-glass-banner]");
        Assert.Contains("lifted for cluster prod-hangzhou-01 by admin until " + glass.EndsAt.ToString("u"), banner.TextContent);
        Assert.Contains("etcd restore <b>now</b>", banner.TextContent);
        Assert.Equal("defender", banner.QuerySelector("a")!.GetAttribute("href"));
        // A page that was open before shows it at its next refresh.
        openBefore.WaitForAssertion(() => Assert.NotEmpty(openBefore.FindAll("[data-testid=break-glass-banner]")), PortalTestContext.WaitTimeout);

        await BreakGlass.EndAsync("prod-hangzhou-01", Admin);
        // Open pages drop it at their next refresh.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=break-glass-banner]")), PortalTestContext.WaitTimeout);
    }
}
