using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>The one way from a registered cluster to the target the cluster client reaches: its kubeconfig, decrypted on use.</summary>
public sealed class ClusterTargets(KubeconfigProtector protector)
{
    public ClusterTarget For(Cluster cluster) =>
        new(cluster.Id, cluster.Name, protector.Unprotect(cluster.EncryptedKubeconfig), cluster.KubeconfigContext);

    /// <summary>The target of a cluster by id; <paramref name="name"/> says which cluster was meant if it has left the registry.</summary>
    public async Task<ClusterTarget> ForAsync(PortalDbContext db, Guid clusterId, string name, CancellationToken ct)
    {
        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clusterId, ct)
            ?? throw new ClusterCallException(ClusterFailure.Unreachable, $"{name} was removed from the registry.");
        return For(cluster);
    }
}
