using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Web.Tests.Support;
using RiskRulesPage = AsiOpsPortal.Web.Risk.Pages.RiskRulesPage;

namespace AsiOpsPortal.Web.Tests.Risk;

public sealed class RiskRulesPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(RiskRulesPageTests), "root", Roles.Admin);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<RiskRulesPage> RenderPage()
    {
        var cut = _portal.Render<RiskRulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(BuiltInRules.All.Count, cut.FindAll("[data-testid=risk-rule]").Count), Timeout);
        return cut;
    }

    private const string RegionShare = "[data-rule=region-share]";

    [Fact]
    public async Task RiskRulesPage_SavesAnAdminsParameter_AndSaysWhatIsWrongWithABadOne()
    {
        var cut = RenderPage();

        cut.Fill($"{RegionShare} input[data-testid=parameter-maxShare], {RegionShare} [data-testid=parameter-maxShare] input", "150%");
        cut.Click($"{RegionShare} [data-testid=save]");
        cut.WaitForAssertion(() => Assert.Contains("maxShare", cut.Find($"{RegionShare} [data-testid=rule-errors]").TextContent), Timeout);

        cut.Fill($"{RegionShare} input[data-testid=parameter-maxShare], {RegionShare} [data-testid=parameter-maxShare] input", "40%");
        cut.Click($"{RegionShare} [data-testid=save]");
        cut.WaitForAssertion(() => Assert.Contains("Last changed by root", cut.Find(RegionShare).TextContent), Timeout);
        Assert.Empty(cut.FindAll($"{RegionShare} [data-testid=rule-errors]"));
        var stored = await _portal.QueryAsync(db => db.RiskRuleSettings.Where(s => s.Rule == "region-share"));
        Assert.Equal("40%", Assert.Single(stored).Parameters["maxShare"]);
    }

    [Fact]
    public void RiskRulesPage_IsReadOnly_ForAnSre()
    {
        _portal.SignIn("bob", Roles.Sre);

        var cut = RenderPage();

        Assert.NotNull(cut.Find("[data-testid=read-only]"));
        Assert.Empty(cut.FindAll("[data-testid=save]"));
    }
}
