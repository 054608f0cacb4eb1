using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Components;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Demo;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Freeze;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Scheduling;
using AsiOpsPortal.Web.Risk;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Locate() });

builder.AddPortalOptions();
builder.AddPortalDatabase();
builder.AddPortalAuthentication();
builder.AddPortalHangfire();
builder.AddPortalApi();
builder.AddPortalUi();
builder.AddAudit();
builder.AddAccounts();
builder.AddClusters();
builder.AddCatalog();
builder.AddChanges();
builder.AddPipelines();
builder.AddScheduler();
builder.AddRisk();
builder.AddGates();
builder.AddFreezeWindows();
builder.AddDefender();
builder.AddDemo();

var app = builder.Build();

if (!await app.PrepareDatabaseAsync()) return;
await app.SeedDemoAsync();

app.UsePortalPipeline();
app.MapAccountEndpoints();
app.MapAuditEndpoints();
app.MapClusterEndpoints();
app.MapCatalogEndpoints();
app.MapChangeEndpoints();
app.MapPipelineEndpoints();
app.MapSchedulerEndpoints();
app.MapRiskEndpoints();
app.MapGateEndpoints();
app.MapFreezeEndpoints();
app.MapDefenderEndpoints();
app.MapPortalInfrastructure();
// Pages state their own policies; the circuit endpoints and anything without one need a signed-in Viewer.
app.MapRazorComponents<App>()
    // Our own Content-Security-Policy (SecurityHeaders) carries frame-ancestors 'none'; Blazor's would be a second, looser one.
    .AddInteractiveServerRenderMode(server => server.ContentSecurityFrameAncestorsPolicy = null)
    .RequireAuthorization(Policies.Viewer);

app.Run();

/// <summary>Visible to WebApplicationFactory in the test projects.</summary>
public partial class Program;
