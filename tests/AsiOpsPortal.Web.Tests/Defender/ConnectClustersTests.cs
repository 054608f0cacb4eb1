using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender.Admission;
using AsiOpsPortal.Web.Defender.Pages;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Web.Tests.Defender;

/// <summary>The Defender page's "Connect clusters" section: each cluster's token and defender version, and proposing the install.</summary>
public sealed class ConnectClustersTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ConnectClustersTests), "admin", Roles.Admin);
        await _portal.SeedAsync(new("staging-1", "staging", "cn-hangzhou", Tier: 2), new("test-1", "test", "cn-hangzhou", Tier: 3));
        await _portal.Bunit.Services.GetRequiredService<DefenderClusterKeys>().IssueAsync("test-1", Actor.System("seed"));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private static string Row(IRenderedComponent<ConnectClusters> cut, string cluster) =>
        cut.FindAll("[data-testid=connect-table] tbody tr").Single(r => r.TextContent.Contains(cluster)).TextContent;

    [Fact]
    public void ConnectClusters_ShowsWhetherEachClustersTokenIsIssued_AndWhatItRuns()
    {
        var cut = _portal.Render<ConnectClusters>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=connect-table] tbody tr").Count), Timeout);
        Assert.Contains("issued", Row(cut, "test-1"));
        Assert.Contains("not issued", Row(cut, "staging-1"));
        Assert.All(cut.FindAll("[data-testid=version]"), v => Assert.Equal("not installed", v.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=no-listener]"));
    }

    [Fact]
    public async Task ProposeInstall_AsksNamingTheSelectedClusters_ThenProposesAChangeAwaitingApproval()
    {
        var cut = _portal.Render<ConnectClusters>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=connect-table] tbody tr").Count), Timeout);
        Assert.True(cut.Find("[data-testid=propose-install]").HasAttribute("disabled"), "Nothing is selected yet.");

        cut.OnRenderer(() => cut.FindAll("[data-testid=connect-table] tbody tr").Single(r => r.TextContent.Contains("test-1")).QuerySelector("input[type=checkbox]")!.Change(true));
        cut.WaitForAssertion(() => Assert.Contains("1 selected cluster", cut.Find("[data-testid=propose-install]").TextContent), Timeout);
        cut.Click("[data-testid=propose-install]");
        _portal.Dialogs.WaitForAssertion(() => Assert.Contains("installs it on test-1,", _portal.Dialogs.Markup), Timeout);
        var navigated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _portal.Navigation.LocationChanged += (_, e) => navigated.TrySetResult(e.Location);
        _portal.Dialogs.ClickButton("Propose");

        Assert.Matches(@"/changes/\d+$", await navigated.Task.WaitAsync(Timeout));
        var change = Assert.Single(await _portal.QueryAsync(db => db.Changes.AsNoTracking()));
        Assert.Equal((DefenderComponent.Name, ChangeStatus.PendingApproval, "admin"), (change.ComponentName, change.Status, change.RequestedBy));
        Assert.Equal(["test-1"], change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name));
    }

    [Fact]
    public void ConnectClusters_OffersNoInstallToAnSre()
    {
        _portal.SignIn("bob", Roles.Sre);

        var cut = _portal.Render<ConnectClusters>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=connect-table] tbody tr").Count), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=propose-install]"));
        Assert.Empty(cut.FindAll("[data-testid=connect-table] input[type=checkbox]"));
    }
}
