using AsiOpsPortal.Web.Freeze;
using AsiOpsPortal.Web.Freeze.Pages;
using AsiOpsPortal.Web.Tests.Support;
using ClusterPage = AsiOpsPortal.Web.Clusters.Pages.ClusterPage;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Freeze;

public sealed class FreezeWindowsPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(FreezeWindowsPageTests));
        await _portal.SeedAsync(new SeedCluster("prod-sh-01", "prod", "cn-shanghai", Tier: 0));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private void FillForm(IRenderedComponent<FreezeWindowForm> form, string name, string reason, string zone, string start, string end)
    {
        form.Type(Input("window-name-input"), name);
        form.Type(Input("window-reason"), reason);
        form.Type(Input("window-zone"), zone);
        form.Type(Input("window-start"), start);
        form.Type(Input("window-end"), end);
    }

    [Fact]
    public void FreezeWindowForm_ListsEveryProblem_WhenTheZoneIsUnknownAndTheEndComesFirst()
    {
        var form = _portal.Render<FreezeWindowForm>();

        FillForm(form, "bad", "testing", "Asia/Atlantis", "2026-11-12T00:00", "2026-11-11T00:00");
        form.OnRenderer(() => form.Find("[data-testid=freeze-form]").Submit());

        form.WaitForAssertion(() =>
        {
            var errors = form.Find("[data-testid=window-errors]").TextContent;
            Assert.Contains("Unknown time zone 'Asia/Atlantis'", errors);
            Assert.Contains("must be after the start", errors);
        }, Timeout);
    }

    [Fact]
    public async Task FreezeWindowForm_CreatesTheWindow_AndTheClusterPageShowsTheBanner()
    {
        FreezeWindowView? created = null;
        var form = _portal.Render<FreezeWindowForm>(p => p.Add(x => x.OnCreated, (FreezeWindowView w) => created = w));
        var now = DateTime.UtcNow;

        FillForm(form, "singles-day", "Singles' Day freeze", "UTC", now.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm"), now.AddHours(5).ToString("yyyy-MM-dd'T'HH:mm"));
        form.Type(Input("scope-environments"), "prod");
        form.OnRenderer(() => form.Find("[data-testid=freeze-form]").Submit());

        form.WaitForAssertion(() => Assert.NotNull(created), Timeout);
        Assert.Equal(["prod"], (await _portal.Freeze.ListAsync()).Single().Scope.Environments);
        var page = _portal.Render<ClusterPage>(p => p.Add(x => x.Name, "prod-sh-01"));
        page.WaitForAssertion(() =>
        {
            var banner = page.Find("[data-testid=freeze-banner]").TextContent;
            Assert.Contains("Frozen until", banner);
            Assert.Contains("(Singles' Day freeze; window 'singles-day')", banner);
        }, Timeout);
    }
}
