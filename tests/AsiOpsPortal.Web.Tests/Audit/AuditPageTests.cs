using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Audit.Pages;
using AsiOpsPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Audit;

public sealed class AuditPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(AuditPageTests));
        await _portal.SeedAsync(
            new SeedCluster("prod-hz-01", "prod", "cn-hangzhou"),
            new SeedCluster("prod-hz-02", "prod", "cn-hangzhou"),
            new SeedCluster("test-bj-01", "test", "cn-beijing"));
        await _portal.Clusters.RequestSyncAsync("prod-hz-02", People.Carol);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<AuditPage> RenderLoaded()
    {
        var cut = _portal.Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=audit-table] tbody tr.mud-table-row").Count), Timeout);
        return cut;
    }

    [Fact]
    public void AuditPage_ListsNewestEventFirst_WhenOpened()
    {
        var cut = RenderLoaded();

        var rows = cut.FindAll("[data-testid=audit-table] tbody tr.mud-table-row");
        Assert.Equal(
            ["cluster.sync-requested", "cluster.registered", "cluster.registered", "cluster.registered"],
            rows.Select(r => r.Children[3].TextContent.Trim()));
        Assert.Equal(["carol", "seed"], rows.Take(2).Select(r => r.Children[2].TextContent.Trim()));
        Assert.Equal("cluster/test-bj-01", rows[1].Children[4].TextContent.Trim());
    }

    [Fact]
    public void AuditPage_NarrowsEvents_WhenSearching()
    {
        var cut = RenderLoaded();

        cut.Type("[data-testid=audit-search]", "prod-hz-02");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=audit-table] tbody tr.mud-table-row").Count), Timeout);
        Assert.All(cut.FindAll("[data-testid=audit-table] tbody tr.mud-table-row"), r => Assert.Contains("cluster/prod-hz-02", r.TextContent));
    }

    // Events written through PostgreSQL (which keeps microseconds) must re-hash to what was computed before the write.
    [Fact]
    public void AuditPage_SaysChainIsIntact_WhenEventsWereWrittenByThePortal()
    {
        var cut = RenderLoaded();

        cut.Click("[data-testid=verify]");

        cut.WaitForAssertion(() => Assert.Equal("The chain is intact: 4 events verified.", cut.Find("[data-testid=verify-result]").TextContent.Trim()), Timeout);
    }

    [Fact]
    public async Task AuditPage_NamesTheAlteredEvent_WhenSomeoneEditsTheTableBehindThePortalsBack()
    {
        var ids = await EventIdsAsync();
        await BypassAppendOnlyAsync($"UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Id\" = {ids[1]}");
        var cut = RenderLoaded();

        cut.Click("[data-testid=verify]");

        cut.WaitForAssertion(() => Assert.Equal("The chain is broken: 1 broken link among 4 events.", cut.Find("[data-testid=verify-summary]").TextContent.Trim()), Timeout);
        Assert.Equal($"Event #{ids[1]}: its content does not match its hash (the event was altered).", cut.Find("[data-testid=break] span").TextContent.Trim());
    }

    [Fact]
    public async Task AuditPage_ListsEveryBrokenLinkWithoutResealButtons_WhenTheUserIsAnSre()
    {
        var ids = await EventIdsAsync();
        await BypassAppendOnlyAsync($"UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Id\" = {ids[1]}");
        await BypassAppendOnlyAsync($"UPDATE audit_events SET \"PreviousHash\" = '{AuditChain.Genesis}' WHERE \"Id\" = {ids[3]}");
        var cut = RenderLoaded();

        cut.Click("[data-testid=verify]");

        cut.WaitForAssertion(() => Assert.Equal("The chain is broken: 2 broken links among 4 events.", cut.Find("[data-testid=verify-summary]").TextContent.Trim()), Timeout);
        Assert.Equal(
            [$"Event #{ids[1]}: its content does not match its hash (the event was altered).",
             $"Event #{ids[3]}: its previous-hash does not match the event before it (an event was removed or reordered)."],
            cut.FindAll("[data-testid=break] span").Select(s => s.TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid^=reseal-]"));
    }

    [Fact]
    public async Task AuditPage_ResealsFromTheBrokenEvent_WhenAnAdminConfirmsWithAReason()
    {
        _portal.SignIn("root", Roles.Admin);
        var ids = await EventIdsAsync();
        // What the append before the fix wrote: the third event linked to the same hash as the second.
        await BypassAppendOnlyAsync($"UPDATE audit_events SET \"PreviousHash\" = (SELECT \"PreviousHash\" FROM audit_events WHERE \"Id\" = {ids[1]}) WHERE \"Id\" = {ids[2]}");
        var cut = RenderLoaded();
        cut.Click("[data-testid=verify]");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=break]")), Timeout);

        cut.Click($"[data-testid=reseal-{ids[2]}]");
        _portal.Dialogs.WaitForAssertion(() => Assert.Contains($"Re-seal the chain from event #{ids[2]}?", _portal.Dialogs.Markup), Timeout);
        Assert.True(_portal.Dialogs.Find("[data-testid=reseal-confirm]").HasAttribute("disabled"), "Re-seal needs a reason first.");
        _portal.Dialogs.Type("[data-testid=reseal-reason]", "broken by the pre-fix append");
        _portal.Dialogs.WaitForAssertion(() => Assert.False(_portal.Dialogs.Find("[data-testid=reseal-confirm]").HasAttribute("disabled")), Timeout);
        _portal.Dialogs.Click("[data-testid=reseal-confirm]");

        cut.WaitForAssertion(() => Assert.Equal("The chain is intact: 5 events verified.", cut.Find("[data-testid=verify-result]").TextContent.Trim()), Timeout);
        var resealed = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == "audit.resealed")));
        Assert.Equal("root", resealed.Actor);
        Assert.Contains("broken by the pre-fix append", resealed.Details);
    }

    private Task<List<long>> EventIdsAsync() => _portal.QueryAsync(db => db.AuditEvents.OrderBy(e => e.Id).Select(e => e.Id));

    /// <summary>The table refuses updates; an intruder with superuser rights switches that off first.</summary>
    private async Task BypassAppendOnlyAsync(string sql)
    {
        await using var db = _portal.Db.CreateContext();
        await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete");
        await db.Database.ExecuteSqlRawAsync(sql);
        await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete");
    }
}
