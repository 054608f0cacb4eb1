using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Clusters.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class ClusterListTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ClusterListTests));
        await _portal.SeedAsync(Fleets.ThirtyAcrossEnvironments);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void ClusterList_AppliesFiltersFromTheAddress_WhenOpenedFromADashboardSlice()
    {
        _portal.Navigation.NavigateTo("clusters?environment=prod&status=degraded");
        var cut = _portal.Render<ClusterList>();

        cut.WaitForAssertion(() => Assert.Equal(["prod-bj-10"], cut.ClusterNames()), Timeout);
    }

    [Fact]
    public void ClusterList_ShowsEveryCluster_WhenNavigatingFromAFilteredAddressToThePlainList()
    {
        _portal.Navigation.NavigateTo("clusters?environment=prod");
        var cut = _portal.Render<ClusterList>();
        cut.WaitForAssertion(() => Assert.Equal("1-10 of 10", cut.PagerCaption()), Timeout);

        // What the "Clusters" link in the navigation menu does while the filtered list is open.
        _portal.Navigation.NavigateTo("clusters");

        cut.WaitForAssertion(() => Assert.Equal("1-25 of 30", cut.PagerCaption()), Timeout);
    }

    [Fact]
    public async Task ClusterList_KeepsTheChosenEnvironment_WhenLiveUpdatesRefreshTheList()
    {
        await using var live = await _portal.StartLiveUpdatesAsync();
        var cut = _portal.Render<ClusterList>();
        cut.WaitForAssertion(() => Assert.Equal("1-25 of 30", cut.PagerCaption()), Timeout);
        _portal.Choose(cut, "Environment", "staging");
        cut.WaitForAssertion(() => Assert.Equal("1-10 of 10", cut.PagerCaption()), Timeout);

        // Two inventory syncs, as the recurring job runs them; each brings news the list must show.
        foreach (var lost in new[] { "staging-sh-03", "staging-sh-04" })
        {
            _portal.Fleet.Failing(lost, ClusterFailure.Unreachable, $"{lost}: connection refused");
            await _portal.Inventory.SyncAllAsync(CancellationToken.None);
            cut.WaitForAssertion(() => Assert.Contains($"Unreachable: {lost}: connection refused", cut.Markup), Timeout);
        }

        Assert.Equal("staging", cut.Find("[aria-label=Environment]").TextContent.Trim());
        Assert.Equal("1-10 of 10", cut.PagerCaption());
        Assert.All(cut.ClusterNames(), n => Assert.StartsWith("staging-", n));
    }

    [Fact]
    public void ClusterList_OffersRegistration_WhenUserIsSre()
    {
        var cut = _portal.Render<ClusterList>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.ClusterNames()), Timeout);
        Assert.Equal("clusters/register", cut.FindAll("a").Single(a => a.TextContent.Trim() == "Register cluster").GetAttribute("href"));
    }

    [Fact]
    public void ClusterList_HidesRegistration_WhenUserIsViewer()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = _portal.Render<ClusterList>();

        cut.WaitForAssertion(() => Assert.Equal(25, cut.ClusterNames().Count), Timeout);
        Assert.DoesNotContain("Register cluster", cut.Markup);
    }
}
