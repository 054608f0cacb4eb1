using System.Text;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AsiOpsPortal.Web.Catalog;

/// <summary>The component catalog: components, their immutable versions, what changed between two, and who runs which.</summary>
public sealed class CatalogService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, TimeProvider time)
{
    public const int MaxPageSize = 500;

    public async Task<ComponentListing> ListAsync(ComponentQuery query, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var components = db.Components.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{AuditService.EscapeLike(query.Search.Trim())}%";
            components = components.Where(c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Description, pattern, "\\")
                || EF.Functions.ILike(c.Owner, pattern, "\\") || EF.Functions.ILike(c.Namespace, pattern, "\\"));
        }
        var total = await components.CountAsync(ct);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var rows = await components.OrderBy(c => c.Name)
            .Skip(Paging.Skip(query.Page, pageSize)).Take(pageSize)
            .Select(c => new
            {
                c.Id, c.Name, c.Namespace, c.Description, c.Owner, c.CreatedAt,
                Versions = c.Versions.Count,
                Latest = c.Versions.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version)
                    .Select(v => new { v.Version, v.CreatedAt }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var usage = await db.ClusterReleases.AsNoTracking()
            .Where(r => ids.Contains(r.ComponentId))
            .GroupBy(r => new { r.ComponentId, r.Version })
            .Select(g => new { g.Key.ComponentId, g.Key.Version, Clusters = g.Count() })
            .ToListAsync(ct);

        var items = rows.Select(r =>
        {
            var running = usage.Where(u => u.ComponentId == r.Id)
                .OrderByDescending(u => u.Clusters).ThenBy(u => u.Version, StringComparer.Ordinal)
                .Select(u => new VersionUsage(u.Version, u.Clusters)).ToList();
            return new ComponentSummary(r.Name, r.Namespace, r.Description, r.Owner, r.CreatedAt, r.Latest?.Version, r.Latest?.CreatedAt,
                r.Versions, running.Sum(u => u.Clusters), running);
        }).ToList();
        return new ComponentListing(items, total);
    }

    public async Task<ComponentDetails?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var component = await db.Components.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, ct);
        if (component is null) return null;
        var versions = await db.ComponentVersions.AsNoTracking()
            .Where(v => v.ComponentId == component.Id)
            .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version)
            .Select(v => new { v.Id, v.Version, v.ReleaseNotes, v.Digest, v.CreatedBy, v.CreatedAt })
            .ToListAsync(ct);
        var running = await db.ClusterReleases.AsNoTracking()
            .Where(r => r.ComponentId == component.Id)
            .GroupBy(r => r.VersionId)
            .Select(g => new { VersionId = g.Key, Clusters = g.Count() })
            .ToDictionaryAsync(g => g.VersionId, g => g.Clusters, ct);
        return new ComponentDetails(component.Name, component.Namespace, component.Description, component.Owner, component.CreatedAt,
            versions.FirstOrDefault()?.Version,
            versions.Select(v => new VersionRow(v.Version, v.ReleaseNotes, v.Digest, v.CreatedBy, v.CreatedAt, running.GetValueOrDefault(v.Id))).ToList());
    }

    public async Task<ComponentDetails> CreateAsync(ComponentRegistration registration, Actor actor, CancellationToken ct = default)
    {
        var name = registration.Name?.Trim() ?? "";
        var ns = registration.Namespace?.Trim() ?? "";
        var description = registration.Description?.Trim() ?? "";
        var owner = string.IsNullOrWhiteSpace(registration.Owner) ? actor.Name : registration.Owner.Trim();
        var errors = CatalogRules.ValidateComponent(name, ns, description, owner);
        if (errors.Count > 0) throw new ValidationFailedException(errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Components.AnyAsync(c => c.Name == name, ct)) throw Duplicate(name);
        var component = new Component { Name = name, Namespace = ns, Description = description, Owner = owner, CreatedAt = time.GetUtcNow() };
        await write.RunAsync(db, actor, async audit =>
        {
            db.Components.Add(component);
            await audit.RecordAsync(AuditActions.ComponentCreated, Target(name), $"namespace={ns} owner={owner}");
        }, ct, refuse: e => AuditedWrite.IsUniqueViolation(e) ? Duplicate(name) : null);
        return new ComponentDetails(component.Name, component.Namespace, component.Description, component.Owner, component.CreatedAt, null, []);
    }

    /// <summary>Validates the label, the notes and every manifest, then stores the version exactly as uploaded.</summary>
    public async Task<ComponentVersionDetails> AddVersionAsync(string name, VersionUpload upload, Actor actor, CancellationToken ct = default)
    {
        var label = upload.Version?.Trim() ?? "";
        var manifests = upload.Manifests ?? "";
        var notes = upload.ReleaseNotes?.Trim() ?? "";

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var component = await db.Components.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, ct) ?? throw NoComponent(name);
        var errors = CatalogRules.ValidateVersion(label, notes).ToList();
        var objects = ReadObjects(manifests, component.Namespace, errors);
        if (errors.Count > 0) throw new ValidationFailedException(errors);
        if (await db.ComponentVersions.AnyAsync(v => v.ComponentId == component.Id && v.Version == label, ct)) throw Duplicate(name, label);

        var images = Manifests.Images(objects);
        var version = new ComponentVersion
        {
            ComponentId = component.Id,
            Version = label,
            Manifests = manifests,
            ReleaseNotes = notes,
            Digest = Manifests.Digest(objects),
            CreatedBy = actor.Name,
            CreatedAt = time.GetUtcNow(),
        };
        await write.RunAsync(db, actor, async audit =>
        {
            db.ComponentVersions.Add(version);
            await audit.RecordAsync(AuditActions.ComponentVersionAdded, Target(name),
                $"version={label} digest={version.Digest} objects={string.Join(", ", objects.Select(o => $"{o.Kind} {o.Name}"))} images={string.Join(", ", images)}");
        }, ct, refuse: e => AuditedWrite.IsUniqueViolation(e) ? Duplicate(name, label) : null);
        return ToVersionDetails(name, version, objects, images);
    }

    public async Task<ComponentVersionDetails> GetVersionAsync(string name, string version, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var componentId = await ComponentIdAsync(db, name, ct);
        var stored = await db.ComponentVersions.AsNoTracking().SingleOrDefaultAsync(v => v.ComponentId == componentId && v.Version == version, ct)
            ?? throw NoVersion(name, version);
        IReadOnlyList<ManifestObject> objects;
        // Stored versions were valid when uploaded; a stricter parser later must not make them unreadable.
        try { objects = Manifests.Parse(stored.Manifests); }
        catch (ManifestException) { objects = []; }
        return ToVersionDetails(name, stored, objects, Manifests.Images(objects));
    }

    /// <summary>
    /// The line diff from one version to another. Without <paramref name="to"/>, the latest version; without
    /// <paramref name="from"/>, the version uploaded just before <c>to</c>.
    /// </summary>
    public async Task<ComponentDiffView> DiffAsync(string name, string? from = null, string? to = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var componentId = await ComponentIdAsync(db, name, ct);
        var labels = await db.ComponentVersions.AsNoTracking()
            .Where(v => v.ComponentId == componentId)
            .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version)
            .Select(v => v.Version)
            .ToListAsync(ct);
        if (labels.Count == 0) throw new NotFoundException($"Component '{name}' has no versions yet.");
        to = string.IsNullOrWhiteSpace(to) ? labels[0] : to.Trim();
        if (string.IsNullOrWhiteSpace(from))
        {
            var index = labels.IndexOf(to);
            from = index >= 0 && index + 1 < labels.Count ? labels[index + 1] : to;
        }
        else from = from.Trim();

        var texts = await db.ComponentVersions.AsNoTracking()
            .Where(v => v.ComponentId == componentId && (v.Version == from || v.Version == to))
            .ToDictionaryAsync(v => v.Version, v => v.Manifests, ct);
        var before = texts.GetValueOrDefault(from) ?? throw NoVersion(name, from);
        var after = texts.GetValueOrDefault(to) ?? throw NoVersion(name, to);
        return new ComponentDiffView(name, from, to, ManifestDiff.Compare(before, after));
    }

    /// <summary>Which version each cluster runs, as of its last apply; clusters that drifted from it first.</summary>
    public async Task<IReadOnlyList<ClusterReleaseRow>> ClustersAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var componentId = await ComponentIdAsync(db, name, ct);
        return await (
                from release in db.ClusterReleases.AsNoTracking()
                join cluster in db.Clusters.AsNoTracking() on release.ClusterId equals cluster.Id
                where release.ComponentId == componentId
                orderby release.Drift == null, cluster.Name
                select new ClusterReleaseRow(cluster.Name, cluster.Environment, release.Version, release.AppliedAt, release.Drift, release.DriftCheckedAt))
            .ToListAsync(ct);
    }

    /// <summary>The objects of <paramref name="manifests"/>, adding to <paramref name="errors"/> whatever makes them unusable.</summary>
    private static IReadOnlyList<ManifestObject> ReadObjects(string manifests, string componentNamespace, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(manifests))
        {
            errors.Add("Manifests are required: paste or upload the component's Kubernetes objects as YAML, separated by '---'.");
            return [];
        }
        var bytes = Encoding.UTF8.GetByteCount(manifests);
        if (bytes > Manifests.MaxBytes)
        {
            errors.Add($"The manifests are {bytes / 1024} KiB; a version may hold at most {Manifests.MaxBytes / 1024} KiB.");
            return [];
        }
        IReadOnlyList<ManifestObject> objects;
        try { objects = Manifests.Parse(manifests); }
        catch (ManifestException e)
        {
            errors.Add(e.Message);
            return [];
        }
        errors.AddRange(CatalogRules.ValidateObjects(objects, componentNamespace));
        return objects;
    }

    private static ComponentVersionDetails ToVersionDetails(string component, ComponentVersion v, IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> images) =>
        new(component, v.Version, v.ReleaseNotes, v.Digest, v.CreatedBy, v.CreatedAt,
            objects.Select(o => new VersionObject(o.ApiVersion, o.Kind, o.Name, o.Namespace)).ToList(), images, v.Manifests);

    private static async Task<Guid> ComponentIdAsync(PortalDbContext db, string name, CancellationToken ct) =>
        await db.Components.Where(c => c.Name == name).Select(c => (Guid?)c.Id).SingleOrDefaultAsync(ct) ?? throw NoComponent(name);

    /// <summary>Two people adding the same name at once: the unique index settles it, and the loser hears why.</summary>
    private static string Target(string component) => $"component/{component}";

    private static NotFoundException NoComponent(string name) => new($"No component named '{name}'.");

    private static NotFoundException NoVersion(string name, string version) => new($"Component '{name}' has no version '{version}'.");

    private static ConflictException Duplicate(string name) => new($"A component named '{name}' already exists.");

    private static ConflictException Duplicate(string name, string version) =>
        new($"Component '{name}' already has a version '{version}'. Versions never change once added: give this one a new version label.");
}
