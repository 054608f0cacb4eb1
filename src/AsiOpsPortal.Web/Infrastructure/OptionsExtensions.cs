using AsiOpsPortal.Kubernetes;

namespace AsiOpsPortal.Web.Infrastructure;

public static class OptionsExtensions
{
    public static void AddPortalOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.TrustedProxies.All(p => TrustedProxies.Parse(p) is not null), "Portal:TrustedProxies holds an entry that is neither an IP address nor a CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8).")
            .Validate(o => o.ClusterAddresses.All(AsiOpsPortal.Core.Clusters.ApiServerAddressRules.IsValidEntry), "Portal:ClusterAddresses holds an entry that is not an IP address, a CIDR range, a host name or *.domain (e.g. 10.20.0.0/16 or *.k8s.example.com).")
            .Validate(o => o.Workers.Rollouts is >= 1 and <= 500 && o.Workers.Default is >= 1 and <= 500,
                "Portal:Workers:Rollouts and Portal:Workers:Default must each be between 1 and 500.")
            .ValidateOnStart();
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration("Clusters:Client").ValidateDataAnnotations().ValidateOnStart()
            .Configure<Microsoft.Extensions.Options.IOptions<PortalOptions>>((client, portal) => client.AllowedAddresses = portal.Value.ClusterAddresses);
        builder.Services.AddSingleton(TimeProvider.System);
    }
}
