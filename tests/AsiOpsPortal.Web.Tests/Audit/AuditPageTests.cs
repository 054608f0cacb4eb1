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
        await _portal.Clusters.RequestSyncAsync("prod-hz-02", "carol");
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
        await using (var db = _portal.Db.CreateContext())
        {
            var secondId = await db.AuditEvents.OrderBy(e => e.Id).Skip(1).Select(e => e.Id).FirstAsync();
            // The table refuses updates; an intruder with superuser rights switches that off first.
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete");
            await db.Database.ExecuteSqlAsync($"UPDATE audit_events SET \"Actor\" = 'mallory' WHERE \"Id\" = {secondId}");
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete");
        }
        var cut = RenderLoaded();
        var secondShownId = cut.FindAll("[data-testid=audit-table] tbody tr.mud-table-row")[2].Children[0].TextContent.Trim();

        cut.Click("[data-testid=verify]");

        cut.WaitForAssertion(() => Assert.Equal(
            $"The chain is broken at event #{secondShownId}: its content does not match its hash (the event was altered). 1 events before it are intact.",
            cut.Find("[data-testid=verify-result]").TextContent.Trim()), Timeout);
    }
}
