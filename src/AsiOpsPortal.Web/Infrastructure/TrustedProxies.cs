using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Behind a reverse proxy, the client's address and the https scheme arrive in X-Forwarded-For / X-Forwarded-Proto. Only
/// the proxies named in <see cref="PortalOptions.TrustedProxies"/> are believed: anyone else could claim any address.
/// </summary>
public static class TrustedProxies
{
    public static void UseTrustedProxies(this WebApplication app)
    {
        var proxies = app.Services.GetRequiredService<IOptions<PortalOptions>>().Value.TrustedProxies;
        if (proxies.Count == 0) return;
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies) options.KnownIPNetworks.Add(Parse(proxy)!.Value);
        app.UseForwardedHeaders(options);
    }

    /// <summary>An address ("10.0.0.5") as a one-address range, or a CIDR range ("10.0.0.0/8"); null when it is neither.</summary>
    public static System.Net.IPNetwork? Parse(string entry)
    {
        var text = entry.Trim();
        if (System.Net.IPNetwork.TryParse(text, out var range)) return range;
        if (!IPAddress.TryParse(text, out var address)) return null;
        return new System.Net.IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
    }
}
