using AsiOpsPortal.Kubernetes;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Infrastructure;

public static class OptionsExtensions
{
    public static void AddPortalOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedPortalOptions();
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration("Clusters:Client").ValidateDataAnnotations().ValidateOnStart()
            .Configure<IOptions<PortalOptions>>((client, portal) => client.AllowedAddresses = portal.Value.ClusterAddresses);
        builder.Services.AddSingleton(TimeProvider.System);
    }

    /// <summary>
    /// PortalOptions for choices made while services are registered (which servers to run, with how many workers), before the
    /// container exists: bound and validated by the same rules as <see cref="IOptions{PortalOptions}"/>, failing with the same message.
    /// </summary>
    public static PortalOptions ValidatedPortalOptions(this WebApplicationBuilder builder)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(builder.Configuration);
        services.AddValidatedPortalOptions();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PortalOptions>>().Value;
    }

    private static void AddValidatedPortalOptions(this IServiceCollection services) =>
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.TrustedProxies.All(p => TrustedProxies.Parse(p) is not null), "Portal:TrustedProxies holds an entry that is neither an IP address nor a CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8).")
            .Validate(o => o.ClusterAddresses.All(AsiOpsPortal.Core.Clusters.ApiServerAddressRules.IsValidEntry), "Portal:ClusterAddresses holds an entry that is not an IP address, a CIDR range, a host name or *.domain (e.g. 10.20.0.0/16 or *.k8s.example.com).")
            .Validate(o => o.Workers.Rollouts is >= 1 and <= 500 && o.Workers.Default is >= 1 and <= 500,
                "Portal:Workers:Rollouts and Portal:Workers:Default must each be between 1 and 500.")
            .ValidateOnStart();
}
