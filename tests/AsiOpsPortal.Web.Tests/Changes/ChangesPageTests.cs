using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ChangesPage = AsiOpsPortal.Web.Changes.Pages.ChangesPage;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Changes;

public sealed class ChangesPageTests : IAsyncLifetime
{
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ChangesPageTests));
        await _portal.SeedAsync(new SeedCluster("test-hz-01", "test", "cn-hangzhou", Tier: 3), new SeedCluster("test-sh-01", "test", "cn-shanghai", Tier: 3));
        await using var db = _portal.Db.CreateContext();
        var component = new Component { Name = "web", Namespace = "web", CreatedAt = DateTimeOffset.UtcNow };
        db.Components.Add(component);
        db.ComponentVersions.Add(new ComponentVersion
        {
            ComponentId = component.Id, Version = "1.27", CreatedAt = DateTimeOffset.UtcNow,
            Manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
        });
        db.Pipelines.Add(new Pipeline { Name = "standard", UpdatedAt = DateTimeOffset.UtcNow, Waves = [new WaveSpec { Name = "all", Clusters = ["test-hz-01", "test-sh-01"], MaxConcurrency = 2 }] });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task ChangesPage_ShowsARolledBackChangesBarAsTheRollback_NotAsAGreenRollout()
    {
        var services = _portal.Bunit.Services;
        var id = (await services.GetRequiredService<ChangeProposals>().ProposeAsync(
            new ChangeProposal("web 1.27", "security fix", "re-apply 1.26", "web", "1.27", "standard"), new Actor("alice", Roles.Developer))).Id;
        await services.GetRequiredService<ChangeReviews>().ReviewAsync(id, new ReviewRequest("approve", ""), new Actor("bob", Roles.Sre));
        // As the runner leaves them: the rollout reached both clusters, then the rollback undid both.
        await SetStepsAsync(id, RolloutPhase.Forward, StepStatus.Succeeded);
        await services.GetRequiredService<ChangeOperations>().RollbackAsync(id, new RollbackRequest("bad release"), new Actor("bob", Roles.Sre));
        await SetStepsAsync(id, RolloutPhase.Rollback, StepStatus.Succeeded);
        await using (var db = _portal.Db.CreateContext())
            await db.Changes.Where(c => c.Id == id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, ChangeStatus.RolledBack).SetProperty(c => c.RollingBack, false));

        var cut = _portal.Render<ChangesPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=finished] [data-testid=change-progress]")), WaitTimeout);
        var bar = cut.Find("[data-testid=finished] [data-testid=change-progress]");
        Assert.Equal("true", bar.GetAttribute("data-rollback"));
        Assert.Contains("mud-progress-linear-color-warning", bar.ClassName);
        Assert.DoesNotContain("mud-progress-linear-color-success", bar.ClassName);
        Assert.Contains("2 / 2 clusters rolled back", cut.Find("[data-testid=finished]").TextContent);
    }

    private async Task SetStepsAsync(long changeId, RolloutPhase phase, StepStatus status)
    {
        await using var db = _portal.Db.CreateContext();
        var updated = await db.RolloutSteps.Where(s => s.ChangeId == changeId && s.Phase == phase).ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, status).SetProperty(s => s.StartedAt, DateTimeOffset.UtcNow));
        Assert.Equal(2, updated);
    }
}
