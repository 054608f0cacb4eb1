using AsiOpsPortal.Kubernetes;

namespace AsiOpsPortal.Web.Infrastructure;

public static class OptionsExtensions
{
    public static void AddPortalOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration("Clusters:Client").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
    }
}
