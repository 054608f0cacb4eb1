using System.Net;
using AsiOpsPortal.Core.Defender;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender.Admission;

/// <summary>
/// The admission webhook's own HTTPS listener on <c>Defender:WebhookListen</c>: a small Kestrel app inside the portal process that
/// serves the admission route and nothing else, with the <see cref="DefenderCertificates"/> certificate. It is apart from the
/// portal's own ports so the UI and API never answer for it, and it is a real socket even when the portal runs in a test
/// server. Its services are the portal's singletons, so decisions, keys and the clock are the portal's own.
/// </summary>
public sealed class DefenderWebhookListener(IServiceProvider portal, IOptions<DefenderOptions> options, ILogger<DefenderWebhookListener> log)
    : IHostedService, IAsyncDisposable
{
    /// <summary>What an API server may send; a review carries at most two objects of etcd's 1.5 MiB limit.</summary>
    public const long MaxBodyBytes = 3 * 1024 * 1024;

    /// <summary>
    /// Below kube-apiserver's default webhook timeout (10 s), so a stuck decision fails here, visibly, rather than in the API
    /// server; either way the call fails and failurePolicy Fail refuses the request.
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(8);

    private WebApplication? _app;

    /// <summary>Where the listener is (or was last) bound, port 0 resolved, e.g. https://127.0.0.1:5443; null before its first start.</summary>
    public Uri? Address { get; private set; }

    /// <summary>The URL a cluster's webhook configuration names for <paramref name="cluster"/>; null when no listener is configured.</summary>
    public string? UrlFor(string cluster)
    {
        var configured = options.Value.WebhookUrl;
        var baseUrl = !string.IsNullOrEmpty(configured) ? configured : Address?.ToString() ?? options.Value.WebhookListen;
        return string.IsNullOrEmpty(baseUrl) ? null : $"{baseUrl.TrimEnd('/')}{AdmissionEndpoint.PathFor(cluster)}";
    }

    public async Task StartAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.Value.WebhookListen)) return;
        // A restart binds the port it had, so webhook configurations written for it stay right.
        var listen = Address ?? Endpoint(options.Value.WebhookListen);
        _app = await BuildAsync(portal, listen, routes => routes.MapAdmission(), ct);
        await _app.StartAsync(ct);
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        log.LogInformation("Defender admission webhook listening on {Address}", Address);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is null) return;
        await _app.StopAsync(ct);
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    /// <summary>
    /// The listener app on <paramref name="listen"/> (https, an IP address or localhost, any port including 0) with the routes
    /// <paramref name="map"/> adds: the admission route, and for a benchmark also a baseline beside it.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(IServiceProvider portal, Uri listen, Action<IEndpointRouteBuilder> map, CancellationToken ct = default)
    {
        var certificate = await portal.GetRequiredService<DefenderCertificates>().GetAsync(ct);
        // Empty: none of the portal's configuration (its Kestrel endpoints, URLs) reaches this app.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            void Https(ListenOptions https)
            {
                https.Protocols = HttpProtocols.Http1AndHttp2;
                https.UseHttps(certificate);
            }
            if (listen.IsLoopback && !IPAddress.TryParse(listen.Host.Trim('[', ']'), out _)) kestrel.ListenLocalhost(listen.Port, Https);
            else kestrel.Listen(IPAddress.Parse(listen.Host.Trim('[', ']')), listen.Port, Https);
        });
        builder.Services.AddSingleton(portal.GetRequiredService<ILoggerFactory>());
        builder.Services.AddLogging();
        builder.Services.AddRouting();
        builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new() { Timeout = RequestTimeout });
        foreach (var shared in new[] { typeof(DefenderStore), typeof(DefenderClusterKeys), typeof(TimeProvider), typeof(IOptions<DefenderOptions>) })
            builder.Services.AddSingleton(shared, portal.GetRequiredService(shared));
        builder.Services.AddAuthentication(ClusterTokenAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ClusterTokenAuthentication>(ClusterTokenAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(ClusterTokenAuthentication.Policy, p => p
            .AddAuthenticationSchemes(ClusterTokenAuthentication.SchemeName).RequireAuthenticatedUser()));
        var app = builder.Build();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRequestTimeouts();
        map(app);
        return app;
    }

    /// <summary>Reads <c>Defender:WebhookListen</c>, failing start with the setting named when it is not an https address.</summary>
    private static Uri Endpoint(string setting)
    {
        if (!Uri.TryCreate(setting, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps
            || !(url.IsLoopback || IPAddress.TryParse(url.Host.Trim('[', ']'), out _)))
            throw new OptionsValidationException(DefenderOptions.Section, typeof(DefenderOptions),
                [$"Defender:WebhookListen: must be https://ADDRESS:PORT with an IP address or localhost, e.g. https://127.0.0.1:5443 (was '{setting}')."]);
        return url;
    }
}
