using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Admission;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Scheduling;
using AsiOpsPortal.Web.Risk;
using AsiOpsPortal.Web.Freeze;
using Bunit.TestDoubles;
using Hangfire;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>
/// A bUnit context wired like the portal: the real feature services over a fresh PostgreSQL database, the app's
/// authorization policies, MudBlazor, and <see cref="FakeClusterClient"/> as the only fake, at the IClusterClient seam.
/// </summary>
public sealed class PortalTestContext : IAsyncDisposable
{
    /// <summary>One cluster to seed: how it is registered and what the fake reports when it is synced.</summary>
    public sealed record SeedCluster(string Name, string Environment, string Region, int Tier = 1, int Nodes = 3, int NotReady = 0, string? Unreachable = null);

    /// <summary>How long to wait for a page to show what a test expects; generous, because CI machines are busy.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(10);

    public BunitContext Bunit { get; }
    public TestPostgres Db { get; }
    public FakeClusterClient Fleet { get; } = new();
    public RecordingJobClient Jobs { get; } = new();
    public BunitAuthorizationContext Auth { get; }

    /// <summary>Holds MudBlazor's popovers (select menus) and dialogs; find their items here, not in the page.</summary>
    public IRenderedComponent<MudPopoverProvider> Popovers { get; private set; } = null!;
    public IRenderedComponent<MudDialogProvider> Dialogs { get; private set; } = null!;

    public ClusterService Clusters => Bunit.Services.GetRequiredService<ClusterService>();
    public InventorySync Inventory => Bunit.Services.GetRequiredService<InventorySync>();
    public CatalogService Catalog => Bunit.Services.GetRequiredService<CatalogService>();
    public PipelineService Pipelines => Bunit.Services.GetRequiredService<PipelineService>();
    public SchedulerService Scheduler => Bunit.Services.GetRequiredService<SchedulerService>();
    public GateService Gates => Bunit.Services.GetRequiredService<GateService>();
    public FreezeService Freeze => Bunit.Services.GetRequiredService<FreezeService>();
    public NavigationManager Navigation => Bunit.Services.GetRequiredService<NavigationManager>();

    private PortalTestContext(TestPostgres db)
    {
        Db = db;
        Bunit = new BunitContext();
        Bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        Auth = Bunit.AddAuthorization();
        Register(Bunit.Services);
    }

    /// <summary>A fresh database and a context signed in as <paramref name="user"/> with <paramref name="role"/>.</summary>
    public static async Task<PortalTestContext> CreateAsync(string purpose, string user = "bob", string role = Roles.Sre)
    {
        // TestPostgres slices its database name to 50 characters and throws when the purpose is under 15.
        var portal = new PortalTestContext(await TestPostgres.CreateAsync($"web{purpose}".PadRight(15, '0')));
        portal.SignIn(user, role);
        portal.Popovers = portal.Bunit.Render<MudPopoverProvider>();
        portal.Dialogs = portal.Bunit.Render<MudDialogProvider>();
        return portal;
    }

    public void SignIn(string user, string role) => Auth.SetAuthorized(user).SetRoles(role);

    private void Register(BunitServiceProvider services)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Portal"] = Db.ConnectionString })
            .Build();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<PortalOptions>().Configure(o => o.GateAllowedHosts.Add(GateHost));

        // As DatabaseExtensions does, with throwaway keys instead of keys kept in the database.
        services.AddDbContextFactory<PortalDbContext>(options => PortalDbContextOptions.Use(options, configuration.PortalConnectionString()));
        services.AddDataProtection().UseEphemeralDataProtectionProvider();

        // The app's policies, evaluated for real against the signed-in user's role claims (bUnit's own fake would
        // only check policy names), so a Viewer really is kept from what needs SRE.
        services.AddAuthorizationCore(options => options.AddPortalPolicies());
        services.AddSingleton<IAuthorizationService, DefaultAuthorizationService>();
        services.AddSingleton<IAuthorizationPolicyProvider, DefaultAuthorizationPolicyProvider>();

        services.AddMudServices();
        services.AddSingleton<IBackgroundJobClient>(Jobs);

        // As the features' Add* extensions register them, with the fake at the cluster seam.
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditedWrite>();
        services.AddSingleton<VersionedDocumentStore>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<IClusterClient>(Fleet);
        services.AddSingleton<KubeconfigProtector>();
        services.AddSingleton<ClusterTargets>();
        services.AddSingleton<ClusterService>();
        services.AddSingleton<InventorySync>();
        services.AddSingleton<LiveUpdates>();
        services.AddSingleton<CatalogService>();
        services.AddSingleton<ChangeQueries>();
        services.AddSingleton<ChangeWriter>();
        services.AddSingleton<ChangeProposals>();
        services.AddSingleton<ChangeReviews>();
        services.AddSingleton<ChangeOperations>();
        services.AddSingleton<RolloutQueue>();
        services.AddSingleton<PipelineService>();
        services.AddSingleton<SchedulerService>();
        services.AddSingleton<GateProtector>();
        services.AddSingleton<GateService>();
        services.AddSingleton<RiskService>();
        services.AddSingleton<FreezeService>();
        services.AddOptions<DefenderOptions>().Configure(o => o.WebhookUrl = DefenderWebhookUrl);
        services.AddSingleton<DefenderStore>();
        services.AddSingleton<DefenderService>();
        services.AddSingleton<BreakGlassService>();
        services.AddSingleton<DefenderQueries>();
        services.AddSingleton<DefenderCertificates>();
        services.AddSingleton<DefenderClusterKeys>();
        services.AddSingleton<DefenderInstaller>();
    }

    /// <summary>Where installed defender webhook configurations send reviews; nothing listens there in component tests.</summary>
    public const string DefenderWebhookUrl = "https://127.0.0.1:5443";

    /// <summary>The one host webhook gates may call in component tests.</summary>
    public const string GateHost = "gates.example.com";

    public static string KubeconfigFor(string cluster) => TestKubeconfig.For($"https://{cluster}.example.com:6443", context: cluster);

    /// <summary>
    /// Registers each cluster through the real service (the fake answers while registering), then makes the fake
    /// report each one's nodes or failure and runs one inventory sync of the whole fleet.
    /// </summary>
    public async Task SeedAsync(params SeedCluster[] clusters)
    {
        foreach (var c in clusters)
        {
            Fleet.With(c.Name, c.Nodes, c.NotReady);
            await Clusters.RegisterAsync(new ClusterRegistration(c.Name, KubeconfigFor(c.Name), null, c.Environment, c.Region, null, c.Tier, null), Actor.System("seed"));
        }
        foreach (var c in clusters.Where(c => c.Unreachable is not null))
            Fleet.Failing(c.Name, ClusterFailure.Unreachable, c.Unreachable!);
        await Inventory.SyncAllAsync(CancellationToken.None);
    }

    /// <summary>
    /// Records that <paramref name="cluster"/> runs <paramref name="version"/> of <paramref name="component"/>, as a
    /// rollout does after a successful apply; <paramref name="drift"/> is what a drift check found different.
    /// </summary>
    public async Task RecordReleaseAsync(string cluster, string component, string version, string? drift = null)
    {
        await using var db = Db.CreateContext();
        var clusterId = await db.Clusters.Where(c => c.Name == cluster).Select(c => c.Id).SingleAsync();
        var componentId = await db.Components.Where(c => c.Name == component).Select(c => c.Id).SingleAsync();
        var versionId = await db.ComponentVersions.Where(v => v.ComponentId == componentId && v.Version == version).Select(v => v.Id).SingleAsync();
        db.ClusterReleases.Add(new ClusterRelease
        {
            ClusterId = clusterId, ComponentId = componentId, VersionId = versionId, Version = version,
            AppliedAt = DateTimeOffset.UtcNow.AddMinutes(-30), Drift = drift, DriftCheckedAt = drift is null ? null : DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Starts the real <see cref="LiveUpdates"/> (PostgreSQL LISTEN/NOTIFY) and returns once it hears its own
    /// notification, so pages refresh after syncs as they do in the app. Dispose the result to stop it.
    /// </summary>
    public async Task<IAsyncDisposable> StartLiveUpdatesAsync()
    {
        var notifier = Bunit.Services.GetRequiredService<LiveUpdates>();
        await notifier.StartAsync(CancellationToken.None);
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSynced(string _) => heard.TrySetResult();
        notifier.ClusterSynced += OnSynced;
        try
        {
            var deadline = DateTime.UtcNow + WaitTimeout;
            while (!heard.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                await notifier.PublishClusterSyncedAsync("listen-probe", CancellationToken.None);
                await Task.WhenAny(heard.Task, Task.Delay(100));
            }
            Assert.True(heard.Task.IsCompleted, "LiveUpdates never started listening.");
        }
        finally
        {
            notifier.ClusterSynced -= OnSynced;
        }
        return new Stopper(() => notifier.StopAsync(CancellationToken.None));
    }

    private sealed class Stopper(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }

    public IRenderedComponent<TComponent> Render<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>>? parameters = null)
        where TComponent : IComponent =>
        Bunit.Render(parameters);

    /// <summary>Opens the MudSelect labelled <paramref name="label"/> in <paramref name="cut"/> and picks <paramref name="option"/>.</summary>
    public void Choose(IRenderedComponent<IComponent> cut, string label, string option)
    {
        cut.OnRenderer(() => cut.Find($"[aria-label='{label}']").Closest("div.mud-input-control")!.MouseDown());
        // The menu renders into the popover provider in a later render batch.
        Popovers.WaitForAssertion(() => Assert.Single(
            Popovers.FindAll(".mud-popover-open .mud-list-item"), i => i.TextContent.Trim() == option), WaitTimeout);
        Popovers.ClickText(".mud-popover-open .mud-list-item", option);
    }

    public async Task<List<T>> QueryAsync<T>(Func<PortalDbContext, IQueryable<T>> query)
    {
        await using var db = Db.CreateContext();
        return await query(db).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Bunit.DisposeAsync();
        await Db.DisposeAsync();
    }
}
