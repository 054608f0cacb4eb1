using AsiOpsPortal.Kubernetes;

namespace AsiOpsPortal.Web.Clusters;

public static class ClusterExtensions
{
    public static void AddClusters(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IClusterClient, KubernetesClusterClient>();
        builder.Services.AddSingleton<KubeconfigProtector>();
        builder.Services.AddSingleton<ClusterTargets>();
        builder.Services.AddSingleton<ClusterService>();
        builder.Services.AddSingleton<InventorySync>();
        builder.Services.AddTransient<InventorySyncJob>();
    }
}
