using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Changes;
using AsiOpsPortal.Web.Defender.Admission;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender;

/// <summary>The body of an install proposal: the clusters to install on; none named means every registered cluster.</summary>
public sealed record InstallRequest(IReadOnlyList<string>? Clusters);

/// <summary>An install proposed: the change that carries it (awaiting approval like any other), the version and where it goes.</summary>
public sealed record InstallProposed(long ChangeId, string Version, IReadOnlyList<string> Clusters);

/// <summary>A registered cluster as the "Connect clusters" section shows it: is its webhook token issued, which version does it run.</summary>
public sealed record ConnectedCluster(string Name, string Environment, int Tier, DateTimeOffset? KeyIssuedAt, string? Version);

/// <summary>
/// The defender installed like any release: the <c>asiops-defender</c> component carries the webhook configuration for the
/// listener as configured now, and an install is an ordinary change, checked and approved like every other. Issuing a
/// cluster's webhook token is separate (<see cref="DefenderClusterKeys"/>): it must reach the cluster's API server out of band.
/// </summary>
public sealed class DefenderInstaller(
    IDbContextFactory<PortalDbContext> dbFactory,
    CatalogService catalog,
    PipelineService pipelines,
    ChangeProposals proposals,
    DefenderCertificates certificates,
    IOptions<DefenderOptions> options)
{
    /// <summary>False while no webhook listener is configured: clusters would have nowhere to send their reviews.</summary>
    public bool CanInstall => options.Value.WebhookBaseUrl.Length > 0;

    /// <summary>
    /// The version of <c>asiops-defender</c> whose manifests are today's (webhook URL and certificate): the latest when it
    /// already is, else a new one after it, so unchanged settings never add a version.
    /// </summary>
    public async Task<string> EnsureVersionAsync(Actor actor, CancellationToken ct = default)
    {
        RefuseWithoutListener();
        var manifests = DefenderComponent.Manifests(options.Value.WebhookBaseUrl, await certificates.CaBundleAsync(ct));
        var component = await catalog.GetAsync(DefenderComponent.Name, ct)
            ?? await catalog.CreateAsync(new ComponentRegistration(DefenderComponent.Name, DefenderComponent.Namespace, DefenderComponent.Description, "asiops-portal"), actor, ct);
        if (component.LatestVersion is { } latest && (await catalog.GetVersionAsync(DefenderComponent.Name, latest, ct)).Manifests == manifests)
            return latest;
        var version = DefenderComponent.NextVersion(component.Versions.Select(v => v.Version));
        await catalog.AddVersionAsync(DefenderComponent.Name,
            new VersionUpload(version, manifests, $"Sends reviews to {options.Value.WebhookBaseUrl}, trusting the webhook's certificate as of today."), actor, ct);
        return version;
    }

    /// <summary>
    /// Proposes installing today's version on <paramref name="clusters"/> (every registered cluster when null) along the
    /// pipeline <c>asiops-defender</c>, rewritten for them (one cluster a wave, least critical first). The change then needs
    /// its approvals like any other; the plan it was proposed with is its own, so a later install does not move it.
    /// </summary>
    public async Task<InstallProposed> ProposeInstallAsync(IReadOnlyList<string>? clusters, Actor actor, CancellationToken ct = default)
    {
        RefuseWithoutListener();
        var fleet = await pipelines.FleetAsync(ct);
        var wanted = clusters?.Select(c => (c ?? "").Trim()).Distinct().ToList() ?? fleet.Select(c => c.Name).ToList();
        var problems = wanted.Where(name => fleet.All(c => c.Name != name)).Select(name => $"clusters: no registered cluster is named '{name}'.").ToList();
        if (wanted.Count == 0) problems.Add(clusters is null ? "clusters: no cluster is registered yet; register one first." : "clusters: name at least one cluster, or leave the field out for every registered cluster.");
        if (problems.Count > 0) throw new ValidationFailedException(problems);

        var version = await EnsureVersionAsync(actor, ct);
        var pipeline = DefenderComponent.InstallPipeline(fleet.Where(c => wanted.Contains(c.Name)));
        if (await pipelines.GetAsync(pipeline.Name, ct) is null) await pipelines.CreateAsync(pipeline, actor, ct);
        else await pipelines.UpdateAsync(pipeline.Name, pipeline, expectedVersion: null, actor, ct);

        var names = pipeline.Waves.Select(w => w.Name).ToList();
        var change = await proposals.ProposeAsync(new ChangeProposal(
            Title: $"Install {DefenderComponent.Name} {version} on {(names.Count == 1 ? names[0] : $"{names.Count} clusters")}",
            Reason: "Connect the clusters to the defender: their deletes, evictions and scale-to-zero updates are then checked against its budgets.",
            RollbackPlan: "Roll the change back: it restores the previous version, or removes the webhook configuration where there was none. " +
                "Webhook configurations are never themselves reviewed, so `kubectl delete validatingwebhookconfiguration asiops-defender` always works too.",
            Component: DefenderComponent.Name, Version: version, Pipeline: pipeline.Name), actor, ct);
        return new InstallProposed(change.Id, version, names);
    }

    /// <summary>Every registered cluster: when its webhook token was issued, and which version of the defender it runs.</summary>
    public async Task<IReadOnlyList<ConnectedCluster>> ClustersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var releases = from release in db.ClusterReleases
                       join component in db.Components on release.ComponentId equals component.Id
                       where component.Name == DefenderComponent.Name
                       select release;
        return await (
                from cluster in db.Clusters.AsNoTracking()
                join key in db.DefenderClusterKeys on cluster.Id equals key.ClusterId into keys
                from key in keys.DefaultIfEmpty()
                join release in releases on cluster.Id equals release.ClusterId into installed
                from release in installed.DefaultIfEmpty()
                orderby cluster.Name
                select new ConnectedCluster(cluster.Name, cluster.Environment, cluster.Tier, key == null ? null : (DateTimeOffset?)key.CreatedAt, release == null ? null : release.Version))
            .ToListAsync(ct);
    }

    private void RefuseWithoutListener()
    {
        if (!CanInstall)
            throw new ConflictException("The defender's webhook listener is not configured (Defender:WebhookListen, or Defender:WebhookUrl for the address " +
                "clusters reach it at), so an installed webhook would have nowhere to send reviews and would refuse every delete.");
    }
}
