using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ChangePage = AsiOpsPortal.Web.Changes.Pages.ChangePage;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Changes;

public sealed class ChangePageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;
    private long _changeId;

    private ChangeProposals Proposals => _portal.Bunit.Services.GetRequiredService<ChangeProposals>();
    private ChangeReviews Reviews => _portal.Bunit.Services.GetRequiredService<ChangeReviews>();
    private ChangeOperations Operations => _portal.Bunit.Services.GetRequiredService<ChangeOperations>();
    private ChangeQueries Changes => _portal.Bunit.Services.GetRequiredService<ChangeQueries>();

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ChangePageTests));
        await _portal.SeedAsync(
            new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3),
            new SeedCluster("test-hz-02", "test", "cn-hangzhou", Tier: 3),
            new SeedCluster("test-sh-01", "test", "cn-shanghai", Tier: 3));
        await using (var db = _portal.Db.CreateContext())
        {
            var component = new Component { Name = "web", Namespace = "web", CreatedAt = DateTimeOffset.UtcNow };
            db.Components.Add(component);
            db.ComponentVersions.Add(new ComponentVersion
            {
                ComponentId = component.Id, Version = "1.27", CreatedAt = DateTimeOffset.UtcNow,
                Manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
            });
            db.Pipelines.Add(new Pipeline
            {
                Name = "standard", UpdatedAt = DateTimeOffset.UtcNow,
                Waves =
                [
                    new WaveSpec { Name = "canary", Clusters = ["test-hz-01"], Canary = true },
                    new WaveSpec { Name = "rest", Clusters = ["test-hz-02", "test-sh-01"], MaxConcurrency = 2, MaxFailures = "1" },
                ],
            });
            await db.SaveChangesAsync();
        }
        _changeId = (await Proposals.ProposeAsync(new ChangeProposal("web 1.27", "security fix", "re-apply 1.26", "web", "1.27", "standard"), new Actor("alice", Roles.Developer))).Id;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ChangePage> RenderPage()
    {
        var cut = _portal.Render<ChangePage>(p => p.Add(x => x.Id, _changeId));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=change-title]")), Timeout);
        return cut;
    }

    [Fact]
    public void ChangePage_ShowsTheExactPlanBeforeApproval()
    {
        var cut = RenderPage();

        var waves = cut.FindAll("[data-testid=wave]");
        Assert.Equal(["canary", "rest"], waves.Select(w => w.GetAttribute("data-wave")));
        Assert.Equal(["test-hz-01"], waves[0].QuerySelectorAll("[data-testid=step-chip]").Select(c => c.GetAttribute("data-cluster")));
        Assert.Equal(["test-hz-02", "test-sh-01"], waves[1].QuerySelectorAll("[data-testid=step-chip]").Select(c => c.GetAttribute("data-cluster")));
        Assert.Contains("web 1.27", cut.Find("[data-testid=change-what]").TextContent);
        Assert.Contains("Pending approval", cut.Find("[data-testid=change-status]").TextContent);
    }

    [Fact]
    public void ChangePage_LetsAnSreApprove_AndStartsTheRollout()
    {
        var cut = RenderPage();

        cut.Click("[data-testid=approve]");

        cut.WaitForAssertion(() => Assert.Contains("Running", cut.Find("[data-testid=change-status]").TextContent), Timeout);
        Assert.Contains(_portal.Jobs.Jobs, j => j.Type == typeof(RolloutJob));
        Assert.Contains("bob approve", cut.Find("[data-testid=approvals]").TextContent);
        // Running: an SRE may pause, roll back or abort, but not resume.
        Assert.NotEmpty(cut.FindAll("[data-testid=pause]"));
        Assert.Empty(cut.FindAll("[data-testid=resume]"));
    }

    [Fact]
    public async Task ChangePage_ShowsWhatAnEditReplanned_ThenClustersRegisteredAfterThePlanFroze()
    {
        await using (var db = _portal.Db.CreateContext())
        {
            db.Pipelines.Add(new Pipeline
            {
                Name = "narrow", UpdatedAt = DateTimeOffset.UtcNow,
                Waves = [new WaveSpec { Name = "canary", Clusters = ["test-hz-01"], Canary = true }, new WaveSpec { Name = "last", Clusters = ["test-hz-02"] }],
            });
            await db.SaveChangesAsync();
        }
        await Proposals.EditAsync(_changeId, new ChangeProposal("web 1.27", "security fix", "re-apply 1.26", "web", "1.27", "narrow"), new Actor("alice", Roles.Developer));

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("1 removed, 1 moved", cut.Find("[data-testid=replanned]").TextContent), Timeout);
        Assert.Contains("−test-sh-01", cut.Find("[data-testid=replanned]").TextContent);
        Assert.Contains("test-hz-02: rest → last", cut.Find("[data-testid=replanned]").TextContent);
        Assert.Contains("pipeline narrow", cut.Find("[data-testid=change-path]").TextContent);

        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        await _portal.SeedAsync(new SeedCluster("test-hz-03", "test", "cn-hangzhou", Tier: 3));
        var frozen = RenderPage();

        frozen.WaitForAssertion(() => Assert.Contains("not part of this change: test-hz-03", frozen.Find("[data-testid=registered-since]").TextContent), Timeout);
        Assert.Empty(frozen.FindAll("[data-testid=replanned]"));
    }

    [Fact]
    public async Task ChangePage_SaysBeforeApprovalWhichChangeItWillWaitFor_ThenShowsTheYellowWaitingBannerWhileRunning()
    {
        var earlier = _changeId;
        await Reviews.ReviewAsync(earlier, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        _changeId = (await Proposals.ProposeAsync(new ChangeProposal("web 1.27 again", "same fix", "re-apply 1.26", "web", "1.27", "standard"), new Actor("alice", Roles.Developer))).Id;

        var pending = RenderPage();

        pending.WaitForAssertion(() => Assert.Contains($"once approved, this change waits for change #{earlier} (web 1.27) on test-hz-01, test-hz-02, test-sh-01",
            pending.Find("[data-testid=waits-for-changes]").TextContent), Timeout);

        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        // What the runner records while the earlier change still holds the clusters (RolloutConcurrencyTests proves it does).
        var waiting = $"Wave 'canary' does not start: test-hz-01 waits for change #{earlier} (web 1.27) to finish there";
        await using (var db = _portal.Db.CreateContext())
            await db.Changes.Where(c => c.Id == _changeId).ExecuteUpdateAsync(u => u.SetProperty(c => c.WaitingFor, waiting));

        var running = RenderPage();

        running.WaitForAssertion(() => Assert.Contains(waiting, running.Find("[data-testid=waiting-for]").TextContent), Timeout);
        Assert.Contains("mud-alert-text-warning", running.Find("[data-testid=waiting-for]").ClassName);
        Assert.Contains("Running", running.Find("[data-testid=change-status]").TextContent);
        // The plan froze at approval: the before-approval note gives way to what the rollout actually waits for.
        Assert.Empty(running.FindAll("[data-testid=waits-for-changes]"));
    }

    [Fact]
    public async Task Pause_WinsOverTheRunnersWrite_ThatLandsBetweenItsReadAndItsSave()
    {
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        // The runner's bookkeeping holds the change row: the pause reads the row, then its save waits behind this write.
        await using var runner = new NpgsqlConnection(_portal.Db.ConnectionString);
        await runner.OpenAsync();
        await using var tx = await runner.BeginTransactionAsync();
        await using (var write = new NpgsqlCommand($"UPDATE changes SET \"UpdatedAt\" = now() WHERE \"Id\" = {_changeId}", runner, tx))
            await write.ExecuteNonQueryAsync();

        var pause = Operations.PauseAsync(_changeId, new Actor("carol", Roles.Sre), "error rate up");
        await WaitUntilASessionWaitsForARowLockAsync();
        await tx.CommitAsync();
        var paused = await pause;

        Assert.Equal(nameof(ChangeStatus.Paused), paused.Status);
        Assert.Contains("error rate up", paused.StatusReason);
    }

    private async Task WaitUntilASessionWaitsForARowLockAsync()
    {
        await using var watcher = new NpgsqlConnection(_portal.Db.ConnectionString);
        await watcher.OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watcher);
        using var deadline = new CancellationTokenSource(Timeout);
        while ((long)(await waiting.ExecuteScalarAsync(deadline.Token))! == 0) await Task.Delay(20, deadline.Token);
    }

    [Fact]
    public async Task ChangePage_OffersNoApproval_ToTheSreWhoEditedTheChange()
    {
        await Proposals.EditAsync(_changeId, new ChangeProposal("web 1.27 (bob's wording)", "security fix", "re-apply 1.26", "web", "1.27", "standard"), new Actor("bob", Roles.Sre));

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("bob", cut.Find("[data-testid=edited-by]").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
        Assert.Contains("You edited this change", cut.Markup);
    }

    [Fact]
    public async Task ChangePage_LetsAnAdminGrantTheFreezeException_WhichStartsTheApprovedChange()
    {
        // Wall-clock times, as windows are written.
        var now = DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified);
        await using (var db = _portal.Db.CreateContext())
        {
            db.FreezeWindows.Add(new FreezeWindow { Name = "singles-day", Reason = "Singles' Day", Start = now.AddHours(-1), End = now.AddHours(2), TimeZone = "UTC" });
            await db.SaveChangesAsync();
        }
        await Proposals.EditAsync(_changeId, new ChangeProposal("web 1.27", "security fix", "re-apply 1.26", "web", "1.27", "standard",
            RunThrough: new RunThroughRequest(["singles-day"], "CVE under attack")), new Actor("alice", Roles.Developer));
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));

        var bobsView = RenderPage();
        Assert.Contains("Asks to run through 'singles-day': CVE under attack", bobsView.Find("[data-testid=freeze-exception]").TextContent);
        Assert.Contains("cannot start before an Admin", bobsView.Find("[data-testid=exception-pending]").TextContent);
        Assert.Empty(bobsView.FindAll("[data-testid=grant-exception]"));
        Assert.Contains("Pending approval", bobsView.Find("[data-testid=change-status]").TextContent);

        _portal.SignIn("admin", Roles.Admin);
        var cut = RenderPage();
        cut.Fill("textarea[data-testid=grant-reason], [data-testid=grant-reason] textarea", "on call watching");
        cut.Click("[data-testid=grant-exception]");

        cut.WaitForAssertion(() => Assert.Contains("Granted by admin: on call watching", cut.Find("[data-testid=exception-granted]").TextContent), Timeout);
        Assert.Contains("Running", cut.Find("[data-testid=change-status]").TextContent);
        Assert.Contains(_portal.Jobs.Jobs, j => j.Type == typeof(RolloutJob));
    }

    [Fact]
    public void ChangePage_TellsTheRequesterSomeoneElseMustReview()
    {
        _portal.SignIn("alice", Roles.Developer);

        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=approve]"));
        Assert.Contains("You requested this change; someone else must review it.", cut.Find("[data-testid=review-refusal]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=change-actions] button"));
    }

    [Fact]
    public async Task ChangePage_ShowsEachClustersStateAndError_WhileRollingOut()
    {
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        await using (var db = _portal.Db.CreateContext())
        {
            var now = DateTimeOffset.UtcNow;
            await db.RolloutWaves.Where(w => w.ChangeId == _changeId && w.Index == 0)
                .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Succeeded));
            await db.RolloutWaves.Where(w => w.ChangeId == _changeId && w.Index == 1)
                .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Running));
            await db.RolloutSteps.Where(s => s.ChangeId == _changeId && s.ClusterName == "test-hz-01")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Succeeded).SetProperty(s => s.StartedAt, now.AddSeconds(-4)).SetProperty(s => s.FinishedAt, now));
            await db.RolloutSteps.Where(s => s.ChangeId == _changeId && s.ClusterName == "test-hz-02")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Failed).SetProperty(s => s.Error, "did not converge within 600 s (Deployment web: 0/2 available)"));
            await db.RolloutSteps.Where(s => s.ChangeId == _changeId && s.ClusterName == "test-sh-01")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Converging).SetProperty(s => s.StartedAt, now));
        }

        var cut = RenderPage();

        var chips = cut.FindAll("[data-testid=step-chip]").ToDictionary(c => c.GetAttribute("data-cluster")!, c => c.GetAttribute("data-status"));
        Assert.Equal("Succeeded", chips["test-hz-01"]);
        Assert.Equal("Failed", chips["test-hz-02"]);
        Assert.Equal("Converging", chips["test-sh-01"]);
        Assert.Contains("4 s", cut.Find("[data-cluster=test-hz-01]").TextContent);
        Assert.Contains("test-hz-02: did not converge", cut.Find("[data-testid=step-error]").TextContent.Replace("\n", " "));
        Assert.Equal(["Succeeded", "Running"], cut.FindAll("[data-testid=wave]").Select(w => w.GetAttribute("data-status")));
    }

    [Fact]
    public async Task RollbackDialog_NamesWhatTheRollbackDoes_AndNeedsAReasonToGoAllAtOnce()
    {
        await RecordRunning126Async("test-hz-01");
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        await using (var db = _portal.Db.CreateContext())
        {
            var now = DateTimeOffset.UtcNow;
            await db.Clusters.Where(c => c.Name == "test-hz-01").ExecuteUpdateAsync(u => u.SetProperty(c => c.Tier, 0));
            await db.RolloutSteps.Where(s => s.ChangeId == _changeId && s.ClusterName == "test-hz-01")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Succeeded).SetProperty(s => s.StartedAt, now).SetProperty(s => s.FinishedAt, now.AddSeconds(2)));
            await db.RolloutSteps.Where(s => s.ChangeId == _changeId && s.ClusterName == "test-hz-02")
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Succeeded).SetProperty(s => s.StartedAt, now.AddSeconds(3)).SetProperty(s => s.FinishedAt, now.AddSeconds(5)));
        }
        var cut = RenderPage();

        cut.Click("[data-testid=rollback]");

        var dialog = _portal.Dialogs;
        dialog.WaitForAssertion(() => Assert.NotEmpty(dialog.FindAll("[data-testid=rollback-wave]")), Timeout);
        Assert.Contains("2 cluster(s)", dialog.Find("[data-testid=rollback-summary]").TextContent);
        Assert.Contains("test-hz-01", dialog.Find("[data-testid=rollback-restored][data-version='1.26']").TextContent);
        Assert.Contains("test-hz-02", dialog.Find("[data-testid=rollback-removed]").TextContent);
        Assert.DoesNotContain("test-sh-01", dialog.Find("[data-testid=rollback-removed]").TextContent);
        Assert.Contains("test-hz-01", dialog.Find("[data-testid=rollback-tier0]").TextContent);
        Assert.Equal(["rollback of rest", "rollback of canary"], dialog.FindAll("[data-testid=rollback-wave]").Select(w => w.GetAttribute("data-wave")));

        dialog.OnRenderer(() => dialog.Find("input[type=checkbox]").Change(true));
        dialog.WaitForAssertion(() => Assert.Single(dialog.FindAll("[data-testid=rollback-wave]")), Timeout);
        Assert.True(dialog.Find("button[data-testid=rollback-confirm]").HasAttribute("disabled"));
        dialog.Type("textarea", "every cluster is down");
        dialog.WaitForAssertion(() => Assert.False(dialog.Find("button[data-testid=rollback-confirm]").HasAttribute("disabled")), Timeout);
        dialog.Click("button[data-testid=rollback-confirm]");

        cut.WaitForAssertion(() => Assert.Contains("all at once", cut.Find("[data-testid=rollback-heading]").TextContent), Timeout);
        var change = (await Changes.GetAsync(_changeId))!;
        Assert.True(change.RollingBack);
        Assert.Equal(["rollback, all at once"], change.RollbackWaves.Select(w => w.Name));
    }

    [Fact]
    public void ChangePage_OffersNoActionsToAViewer()
    {
        _portal.SignIn("dave", Roles.Viewer);

        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=change-actions] button"));
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    /// <summary>Records that <paramref name="clusters"/> run a new version 1.26 of the component, as an earlier rollout would.</summary>
    private async Task RecordRunning126Async(params string[] clusters)
    {
        await using var db = _portal.Db.CreateContext();
        var component = await db.Components.SingleAsync(c => c.Name == "web");
        var v126 = new ComponentVersion
        {
            ComponentId = component.Id, Version = "1.26", CreatedAt = DateTimeOffset.UtcNow.AddDays(-1),
            Manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: old\n",
        };
        db.ComponentVersions.Add(v126);
        foreach (var cluster in await db.Clusters.Where(c => clusters.Contains(c.Name)).ToListAsync())
            db.ClusterReleases.Add(new ClusterRelease { ClusterId = cluster.Id, ComponentId = component.Id, VersionId = v126.Id, Version = "1.26", AppliedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task ChangePage_ShowsOneDiffPerVersionTheClustersRunNow_AndEachClusterItsGroup()
    {
        // Released after the proposal: the page shows what the clusters run now, not what they ran then.
        await RecordRunning126Async("test-hz-02", "test-sh-01");

        var cut = RenderPage();

        var diffs = cut.FindAll("[data-testid=plan-diff]");
        Assert.Equal(["A", "B"], diffs.Select(d => d.GetAttribute("data-group")));
        Assert.Equal("1 cluster runs nothing yet: every object is new", diffs[0].QuerySelector("[data-testid=plan-diff-heading]")!.TextContent.Trim());
        Assert.Equal("test-hz-01", diffs[0].QuerySelector("[data-testid=plan-diff-clusters]")!.TextContent.Trim());
        Assert.Equal("2 clusters run 1.26 \u2192 1.27", diffs[1].QuerySelector("[data-testid=plan-diff-heading]")!.TextContent.Trim());
        Assert.Equal("test-hz-02, test-sh-01", diffs[1].QuerySelector("[data-testid=plan-diff-clusters]")!.TextContent.Trim());
        Assert.Equal("+1 \u22121 across ConfigMap web", diffs[1].QuerySelector("[data-testid=plan-diff-summary]")!.TextContent.Trim());
        Assert.Equal(["+a: b"], diffs[1].QuerySelectorAll("tr.diff-added").Select(r => r.Children[2].TextContent + r.Children[3].TextContent.Trim()));
        Assert.Equal(6, diffs[0].QuerySelectorAll("tr.diff-added").Length);
        var groups = cut.FindAll("[data-testid=step-chip]").ToDictionary(c => c.GetAttribute("data-cluster")!, c => c.GetAttribute("data-diff-group"));
        Assert.Equal(new Dictionary<string, string?> { ["test-hz-01"] = "A", ["test-hz-02"] = "B", ["test-sh-01"] = "B" }, groups);
        Assert.Contains("\u00b7 B", cut.Find("[data-testid=step-chip][data-cluster=test-sh-01]").TextContent);
    }

    [Fact]
    public async Task ChangePage_CollapsesTheDiffs_OnceTheRolloutRuns()
    {
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));

        var cut = RenderPage();

        Assert.NotEmpty(cut.FindAll("[data-testid=plan-diffs]"));
        Assert.Empty(cut.FindAll("[data-testid=plan-diff]"));
        cut.Click("[data-testid=plan-diffs] .mud-expand-panel-header");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=plan-diff]")), Timeout);
    }

    [Theory]
    [InlineData("alice", Roles.Developer, true)]
    [InlineData("carol", Roles.Sre, true)]
    [InlineData("erin", Roles.Developer, false)]
    [InlineData("dave", Roles.Viewer, false)]
    public void ChangePage_OffersEdit_OnlyToTheRequesterAndSres(string user, string role, bool offered)
    {
        _portal.SignIn(user, role);

        var cut = RenderPage();

        Assert.Equal(offered, cut.FindAll("[data-testid=edit]").Count == 1);
        if (offered) Assert.EndsWith($"changes/{_changeId}/edit", cut.Find("[data-testid=edit]").GetAttribute("href"));
    }

    [Fact]
    public async Task ChangePage_OffersNoEdit_OnceTheChangeIsApproved()
    {
        await Reviews.ReviewAsync(_changeId, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        _portal.SignIn("alice", Roles.Developer);

        var cut = RenderPage();

        Assert.Empty(cut.FindAll("[data-testid=edit]"));
    }
}
