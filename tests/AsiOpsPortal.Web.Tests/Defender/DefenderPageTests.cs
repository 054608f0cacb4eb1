using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Pages;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Web.Tests.Defender;

public sealed class DefenderPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private static readonly Actor Sre = new("bob", Roles.Sre);
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(DefenderPageTests));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private DefenderService Defender => _portal.Bunit.Services.GetRequiredService<DefenderService>();
    private DefenderStore Store => _portal.Bunit.Services.GetRequiredService<DefenderStore>();

    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static AdmissionRequest Delete(string name, string cluster = "prod-1") =>
        new("ci-bot", "kubectl/v1.32.0", DefenderVerbs.Delete, "pods", "web", name, cluster, "prod", new Dictionary<string, string>());

    /// <summary>A budget of 3 pod deletes a minute in prod whose breaker opens when the minute runs out.</summary>
    private Task<BudgetView> CreateBudgetAsync(string name, string mode = "enforce") => Defender.CreateAsync(new BudgetRequest(name,
        new BudgetScopeRequest(["prod"], null, null, null), ["pods"], [DefenderVerbs.Delete], new() { ["1m"] = 3, ["1h"] = 50 },
        new BreakerRequest(true, 0), mode), Sre);

    [Fact]
    public async Task DefenderPage_ShowsEachWindowsUsage_TheTrippedBreakerAndTheRefusal_AsText()
    {
        await CreateBudgetAsync("prod-pods");
        for (var i = 0; i < 4; i++) await Store.DecideAsync(Delete($"<b>web-{i}</b>"));

        var cut = _portal.Render<DefenderPage>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=budget-table] tbody tr")), Timeout);
        Assert.Contains("3/3", cut.Find("[data-testid=window-1m]").TextContent);
        Assert.Contains("Next token back at", cut.Find("[data-testid=window-1m]").GetAttribute("aria-label"));
        Assert.Contains("3/50", cut.Find("[data-testid=window-1h]").TextContent);
        Assert.Contains("Enforce", cut.Find("[data-testid=mode]").TextContent);
        var breaker = cut.Find("[data-testid=breaker]").TextContent;
        Assert.Contains("Open", breaker);
        Assert.Contains("until an SRE closes it", breaker);
        Assert.Contains("Opened", cut.Find("[data-testid=trips]").TextContent);

        var rows = cut.FindAll("[data-testid=decision-table] tbody tr");
        Assert.Equal(4, rows.Count);
        Assert.Contains("Refused", rows[0].TextContent); // newest first
        Assert.Contains("prod-pods / 1m", rows[0].TextContent);
        Assert.Contains("web/<b>web-3</b>", rows[0].TextContent);
        Assert.Empty(cut.FindAll("[data-testid=decision-table] b"));
    }

    [Fact]
    public async Task DefenderPage_FiltersDecisionsByClusterAndOutcome()
    {
        await CreateBudgetAsync("prod-pods", mode: "shadow");
        for (var i = 0; i < 4; i++) await Store.DecideAsync(Delete($"web-{i}"));
        await Store.DecideAsync(Delete("other", cluster: "prod-2"));
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=decision-table] tbody tr").Count), Timeout);

        _portal.Choose(cut, "Outcome", "Would refuse (shadow)");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=decision-table] tbody tr").Count), Timeout);
        Assert.All(cut.FindAll("[data-testid=decision-table] tbody tr"), r => Assert.Contains("Would refuse (shadow)", r.TextContent));

        cut.Fill(Input("filter-cluster"), "prod-2");
        cut.WaitForAssertion(() => Assert.Contains("other", Assert.Single(cut.FindAll("[data-testid=decision-table] tbody tr")).TextContent), Timeout);
    }

    [Fact]
    public void DefenderPage_ExplainsBudgets_WhenThereAreNone_AndOffersNoWriteButtonToAViewer()
    {
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.Contains("No budgets yet", cut.Find("[data-testid=empty]").TextContent), Timeout);
        Assert.NotEmpty(cut.FindAll("[data-testid=empty-new-budget]"));
        Assert.Contains("No decisions yet", cut.Find("[data-testid=no-decisions]").TextContent);

        _portal.SignIn("dave", Roles.Viewer);
        var viewer = _portal.Render<DefenderPage>();
        viewer.WaitForAssertion(() => Assert.NotEmpty(viewer.FindAll("[data-testid=empty]")), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=empty-new-budget]"));
        Assert.Empty(viewer.FindAll("[data-testid=new-budget]"));
        Assert.Empty(viewer.FindAll("[data-testid=new-agent-limit]"));
        Assert.Empty(viewer.FindAll("[data-testid=break-glass]"));
    }

    [Fact]
    public async Task DefenderPage_ShowsAViewerTheBreaker_WithoutResetEditOrDelete()
    {
        await CreateBudgetAsync("prod-pods");
        for (var i = 0; i < 4; i++) await Store.DecideAsync(Delete($"web-{i}"));
        _portal.SignIn("dave", Roles.Viewer);

        var cut = _portal.Render<DefenderPage>();

        cut.WaitForAssertion(() => Assert.Contains("Open", cut.Find("[data-testid=breaker]").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=reset-prod-pods]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-prod-pods]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-prod-pods]"));
    }

    [Fact]
    public async Task BudgetEditor_ShowsEachProblemNextToItsField_AndSavesNothing()
    {
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=new-budget]")), Timeout);
        cut.Click("[data-testid=new-budget]");
        _portal.Dialogs.WaitForAssertion(() => Assert.NotEmpty(_portal.Dialogs.FindAll("[data-testid=budget-editor]")), Timeout);

        _portal.Dialogs.Type(Input("budget-name"), "Prod Pods");
        _portal.Dialogs.Type(Input("limit-1h"), "0");
        _portal.Dialogs.Type(Input("budget-labels"), "team");
        _portal.Dialogs.OnRenderer(() => _portal.Dialogs.Find("#budget-form").Submit());

        _portal.Dialogs.WaitForAssertion(() =>
        {
            Assert.Contains("name: must be 1–63 lowercase letters", FieldText("budget-name"));
            Assert.Contains("limits.1h: must be between 1 and 100,000 (was 0).", FieldText("limit-1h"));
            Assert.Contains("scope.labels: 'team' is not key=value.", FieldText("budget-labels"));
        }, Timeout);
        Assert.Empty(await _portal.QueryAsync(db => db.DefenderBudgets));
        Assert.Empty(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.DefenderBudgetCreated)));
    }

    [Fact]
    public async Task BudgetEditor_CreatesAShadowBudget_ThatThePageThenLists()
    {
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=new-budget]")), Timeout);
        cut.Click("[data-testid=new-budget]");
        _portal.Dialogs.WaitForAssertion(() => Assert.NotEmpty(_portal.Dialogs.FindAll("[data-testid=budget-editor]")), Timeout);

        _portal.Dialogs.Type(Input("budget-name"), "prod-pods");
        _portal.Dialogs.Type(Input("budget-environments"), "prod, staging");
        _portal.Dialogs.Type(Input("budget-labels"), "team=pay");
        _portal.Dialogs.Type(Input("limit-5m"), "10");
        _portal.Dialogs.OnRenderer(() => _portal.Dialogs.Find(Input("budget-enforce")).Change(false));
        _portal.Dialogs.OnRenderer(() => _portal.Dialogs.Find("#budget-form").Submit());

        cut.WaitForAssertion(() => Assert.Contains("Shadow", cut.Find("[data-testid=mode]").TextContent), Timeout);
        var saved = await Defender.GetAsync("prod-pods");
        Assert.Equal(["prod", "staging"], saved.Scope.Environments);
        Assert.Equal("pay", saved.Scope.Labels["team"]);
        Assert.Equal([DefenderVerbs.Delete, DefenderVerbs.Eviction], saved.Verbs);
        Assert.Equal(new Dictionary<string, int> { ["5m"] = 10 }, saved.Limits);
        Assert.Equal("shadow", saved.Mode);
    }

    [Fact]
    public async Task Reset_AsksForAReason_ThenClosesTheBreakerAndAuditsIt()
    {
        await CreateBudgetAsync("prod-pods");
        for (var i = 0; i < 4; i++) await Store.DecideAsync(Delete($"web-{i}"));
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=reset-prod-pods]")), Timeout);

        cut.Click("[data-testid=reset-prod-pods]");

        _portal.Dialogs.WaitForAssertion(() => Assert.True(_portal.Dialogs.Find("[data-testid=reset-confirm]").HasAttribute("disabled"), "Closing needs a reason first."), Timeout);
        _portal.Dialogs.Type("[data-testid=reset-reason]", "the cleanup job was fixed");
        _portal.Dialogs.WaitForAssertion(() => Assert.False(_portal.Dialogs.Find("[data-testid=reset-confirm]").HasAttribute("disabled")), Timeout);
        _portal.Dialogs.Click("[data-testid=reset-confirm]");

        cut.WaitForAssertion(() => Assert.Contains("Closed", cut.Find("[data-testid=breaker]").TextContent), Timeout);
        Assert.False((await Defender.GetAsync("prod-pods")).BreakerOpen);
        var closed = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.DefenderBreakerClosed)));
        Assert.Contains("the cleanup job was fixed", closed.Details);
        Assert.Equal("bob", closed.Actor);
    }

    [Fact]
    public async Task AgentLimitEditor_ShowsEachProblemNextToItsField_SavesNothing_ThenCreatesWhatThePageLists()
    {
        var cut = _portal.Render<DefenderPage>();
        cut.WaitForAssertion(() => Assert.Contains("No agent limits", cut.Find("[data-testid=no-agent-limits]").TextContent), Timeout);
        cut.Click("[data-testid=new-agent-limit]");
        _portal.Dialogs.WaitForAssertion(() => Assert.NotEmpty(_portal.Dialogs.FindAll("[data-testid=agent-limit-editor]")), Timeout);

        _portal.Dialogs.Type(Input("agent-per-second"), "0");
        _portal.Dialogs.Click("[data-testid=agent-limit-save]");

        _portal.Dialogs.WaitForAssertion(() =>
        {
            Assert.Contains("pattern: give a user agent pattern", FieldText("agent-pattern"));
            Assert.Contains("perSecond: must be between 1 and 100,000 (was 0).", FieldText("agent-per-second"));
        }, Timeout);
        Assert.Empty(await _portal.QueryAsync(db => db.DefenderAgentLimits));

        _portal.Dialogs.Type(Input("agent-pattern"), "runaway-controller/*");
        _portal.Dialogs.Type(Input("agent-per-second"), "5");
        _portal.Dialogs.Click("[data-testid=agent-limit-save]");

        cut.WaitForAssertion(() => Assert.Contains("runaway-controller/*", cut.Find("[data-testid=agent-limit-table]").TextContent), Timeout);
        var saved = Assert.Single(await _portal.QueryAsync(db => db.DefenderAgentLimits));
        Assert.Equal(("pods", DefenderVerbs.Delete, 5, "bob"), (saved.Resource, saved.Verb, saved.PerSecond, saved.CreatedBy));
        Assert.Empty(cut.FindAll("[data-testid=break-glass]")); // an SRE, not an Admin
    }

    private string FieldText(string testId) =>
        _portal.Dialogs.Find(Input(testId)).Closest(".mud-input-control")!.TextContent;
}
