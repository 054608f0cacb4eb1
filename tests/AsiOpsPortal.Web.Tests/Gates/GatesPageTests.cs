using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Gates.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Gates;

public sealed class GatesPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(GatesPageTests));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void GatesPage_SaysNoGateIsAsked_AndOffersTheFormOnlyToSres()
    {
        var cut = _portal.Render<GatesPage>();

        cut.WaitForAssertion(() => Assert.Contains("No gates yet", cut.Find("[data-testid=empty]").TextContent), Timeout);
        Assert.Contains($"Allowed hosts: {PortalTestContext.GateHost}", cut.Markup);
        Assert.NotEmpty(cut.FindAll("[data-testid=gate-create]"));

        _portal.SignIn("dave", Roles.Viewer);
        var viewer = _portal.Render<GatesPage>();
        viewer.WaitForAssertion(() => Assert.NotEmpty(viewer.FindAll("[data-testid=empty]")), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=gate-create]"));
    }

    [Fact]
    public void Registering_ShowsWhyAHostIsRefused_KeepsWhatWasTyped_ThenListsTheGateWithoutItsSecret()
    {
        var cut = _portal.Render<GatesPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=empty]")), Timeout);
        cut.Fill("[data-testid=gate-name]", "checkout-e2e");
        cut.Fill("[data-testid=gate-url]", "https://elsewhere.example.org/gate");
        cut.Fill("[data-testid=gate-headers]", "Authorization: Bearer t0ps3cret");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Host 'elsewhere.example.org' is not on the portal's gate allow-list", cut.Find("[data-testid=gate-error]").TextContent), Timeout);
        Assert.Equal("checkout-e2e", cut.Find("[data-testid=gate-name]").GetAttribute("value"));

        cut.Fill("[data-testid=gate-url]", $"https://{PortalTestContext.GateHost}/e2e");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=gate-table] tbody tr")), Timeout);
        var row = cut.Find("[data-testid=gate-table] tbody tr").TextContent;
        Assert.Contains("checkout-e2e", row);
        Assert.Contains("before each wave", row);
        Assert.Contains("Authorization", row);
        Assert.DoesNotContain("t0ps3cret", cut.Markup);
    }
}
