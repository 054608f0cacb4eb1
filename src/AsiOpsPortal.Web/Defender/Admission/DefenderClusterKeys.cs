using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Audit;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Defender.Admission;

/// <summary>A registered cluster as the admission webhook knows it from the token its API server presented.</summary>
public sealed record KeyedCluster(Guid Id, string Name, string Environment, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// The per-cluster secrets of the admission webhook: a cluster's API server presents its token (a bearer token from its
/// admission configuration) and the portal hears only the cluster the token was issued to. Only the token's SHA-256 is kept;
/// the token itself is returned once, when issued, and a new issue replaces the old one.
/// </summary>
public sealed class DefenderClusterKeys(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, TimeProvider time)
{
    // Lookups sit on every admission request; a token replaced elsewhere stops being heard here within this long.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (KeyedCluster? Cluster, DateTimeOffset Until)> _byHash = new(StringComparer.Ordinal);

    /// <summary>Issues a new token for the cluster (replacing any earlier one) and returns it; null when no such cluster.</summary>
    public async Task<string?> IssueAsync(string clusterName, Actor actor, CancellationToken ct = default)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.Name == clusterName, ct);
        if (cluster is null) return null;
        await write.RunAsync(db, actor, async audit =>
        {
            await db.DefenderClusterKeys.Where(k => k.ClusterId == cluster.Id).ExecuteDeleteAsync(ct);
            db.DefenderClusterKeys.Add(new DefenderClusterKey { ClusterId = cluster.Id, TokenHash = Hash(token), CreatedBy = actor.Name, CreatedAt = time.GetUtcNow() });
            await audit.RecordAsync(AuditActions.DefenderClusterKeyIssued, $"cluster/{cluster.Name}",
                "issued a new admission webhook token; any earlier one no longer works");
        }, ct);
        _byHash.Clear();
        return token;
    }

    /// <summary>The cluster a presented token was issued to, or null.</summary>
    public async Task<KeyedCluster?> FindAsync(string token, CancellationToken ct = default)
    {
        var hash = Hash(token);
        var now = time.GetUtcNow();
        if (_byHash.TryGetValue(hash, out var cached) && cached.Until > now) return cached.Cluster;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await db.DefenderClusterKeys.Where(k => k.TokenHash == hash)
            .Join(db.Clusters, k => k.ClusterId, c => c.Id, (k, c) => new { c.Id, c.Name, c.Environment, c.Labels })
            .SingleOrDefaultAsync(ct);
        var found = cluster is null ? null : new KeyedCluster(cluster.Id, cluster.Name, cluster.Environment, cluster.Labels);
        _byHash[hash] = (found, now + CacheFor);
        return found;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
