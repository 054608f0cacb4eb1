extern alias fleetsim;

using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Clusters;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Benchmarks;

/// <summary>Shared set-up of the scenarios that run the portal against FleetSim.</summary>
public static class BenchFleet
{
    /// <summary>Cluster rows written directly, with kubeconfigs encrypted by the portal's own protector: registration is not what is measured.</summary>
    public static async Task RegisterAsync(FleetSimulator fleet, PortalFactory portal)
    {
        var protector = portal.Services.GetRequiredService<KubeconfigProtector>();
        var now = DateTimeOffset.UtcNow;
        await using var db = portal.Db.CreateContext();
        db.Clusters.AddRange(fleet.Clusters.Select(c => new Cluster
        {
            Name = c.Name,
            ApiEndpoint = fleet.ServerUrl(c.Name),
            Environment = c.Environment,
            Region = c.Region,
            Zone = c.Zone,
            Tier = c.Tier,
            EncryptedKubeconfig = protector.Protect(fleet.Kubeconfig(c.Name)),
            KubeconfigContext = c.Name,
            CreatedAt = now,
        }));
        await db.SaveChangesAsync();
    }
}
