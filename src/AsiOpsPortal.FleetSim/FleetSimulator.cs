using System.Net;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Fleet;
using AsiOpsPortal.FleetSim.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AsiOpsPortal.FleetSim;

/// <summary>
/// A fleet of simulated Kubernetes clusters served over the real Kubernetes HTTP API from one loopback port:
/// cluster NAME's API server is <c>BaseUrl/clusters/NAME</c>. Used in-process by tests and benchmarks, and by Program.
/// </summary>
public sealed class FleetSimulator : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly FleetContext fleet;

    private FleetSimulator(WebApplication app, FleetContext fleet, string baseUrl)
    {
        this.app = app;
        this.fleet = fleet;
        BaseUrl = baseUrl;
    }

    /// <summary>Generates the fleet, starts listening on 127.0.0.1 and, if asked, writes kubeconfigs.</summary>
    public static async Task<FleetSimulator> StartAsync(FleetSimOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ConvergenceDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "ConvergenceDelay must not be negative.");
        var fleet = new FleetContext(options);
        foreach (var plan in FleetPlans.For(options)) fleet.Add(plan);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var certificate = TlsOnSamePort.LoadOrCreateCertificate(options.KubeconfigDirectory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttpAndHttps(certificate)));
        var app = builder.Build();
        app.MapAdminEndpoints(fleet);
        app.Map("/clusters/{cluster}/{**rest}", ctx => ClusterApi.HandleAsync(ctx, fleet, (string)ctx.Request.RouteValues["cluster"]!));
        app.Map("/clusters/{cluster}", ctx => ClusterApi.HandleAsync(ctx, fleet, (string)ctx.Request.RouteValues["cluster"]!));
        await app.StartAsync(ct);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var simulator = new FleetSimulator(app, fleet, $"http://127.0.0.1:{new Uri(address).Port}");
        fleet.BaseUrl = simulator.BaseUrl;
        fleet.CertificateAuthority = certificate.ExportCertificatePem();
        fleet.Scheduler.Start();
        if (options.KubeconfigDirectory is { } directory)
        {
            foreach (var cluster in fleet.All) Kubeconfigs.Write(directory, fleet, cluster);
            Kubeconfigs.WriteIndex(directory, fleet.All);
        }
        return simulator;
    }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string BaseUrl { get; }

    public IReadOnlyList<SimClusterInfo> Clusters => fleet.Infos;

    public string ServerUrl(string cluster) => $"{BaseUrl}/clusters/{fleet.Get(cluster).Info.Name}";

    /// <summary>
    /// Kubeconfig YAML for one cluster. Its server is the https form of <see cref="ServerUrl"/> (same port, the
    /// simulator's CA embedded), because kubectl only sends a kubeconfig's token over TLS.
    /// </summary>
    public string Kubeconfig(string cluster) => Kubeconfigs.For(fleet, fleet.Get(cluster));

    public string Token(string cluster) => fleet.Get(cluster).Token;

    /// <summary>Adds a full cluster (add-ons and demo app included) while running; its kubeconfig is written if configured.</summary>
    public SimClusterInfo AddCluster(string name, string environment, string region, string zone, int tier, int nodes) =>
        fleet.AddCluster(name, environment, region, zone, tier, nodes).Info;

    public void SetFault(string cluster, SimFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        fleet.Get(cluster).SetFault(fault);
    }

    public IReadOnlyList<SimRequest> RequestLog(string? cluster = null) => fleet.Requests.Snapshot(cluster);

    public void ClearRequestLog() => fleet.Requests.Clear();

    public async ValueTask DisposeAsync()
    {
        await fleet.Scheduler.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
