using System.Linq.Expressions;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>How answers about one kind of versioned document are worded: <c>Noun</c> "pipeline", audit target "pipeline/NAME".</summary>
public sealed record DocumentKind(string Noun, string TargetPrefix)
{
    public string Target(string name) => $"{TargetPrefix}/{name}";

    public NotFoundException NotFound(string name) => new($"No {Noun} named '{name}'.");

    public ConflictException Exists(string name) => new($"A {Noun} named '{name}' already exists.");

    public ConflictException StaleEdit(IVersionedDocument current) =>
        new($"{char.ToUpperInvariant(Noun[0])}{Noun[1..]} '{current.Name}' was saved by {current.UpdatedBy} at {current.UpdatedAt:u} after you loaded it; "
            + "reload to see their version (export yours first to keep it).");
}

/// <summary>
/// Creates, edits and deletes named documents that people edit optimistically (ETag/If-Match over the row's xmin), each
/// write audited in its own transaction: a duplicate name or a save over someone else's newer save is refused, naming who.
/// </summary>
public sealed class VersionedDocumentStore(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, TimeProvider time)
{
    /// <summary>The stored document, tracked for an edit or a delete.</summary>
    public async Task<T> LoadAsync<T>(PortalDbContext db, DocumentKind kind, string name, CancellationToken ct) where T : class, IVersionedDocument =>
        await db.Set<T>().SingleOrDefaultAsync(Named<T>(name), ct) ?? throw kind.NotFound(name);

    public Task<bool> ExistsAsync<T>(PortalDbContext db, string name, CancellationToken ct) where T : class, IVersionedDocument =>
        db.Set<T>().AnyAsync(Named<T>(name), ct);

    public async Task AddAsync<T>(PortalDbContext db, DocumentKind kind, T document, Actor actor, string action, string details, CancellationToken ct)
        where T : class, IVersionedDocument
    {
        Stamp(document, actor);
        await write.RunAsync(db, actor, async audit =>
        {
            db.Set<T>().Add(document);
            await audit.RecordAsync(action, kind.Target(document.Name), details);
        }, ct, refuse: e => AuditedWrite.IsUniqueViolation(e) ? kind.Exists(document.Name) : null);
    }

    /// <summary>Refuses an edit begun from another version than the stored one (the editor's If-Match); none given, none checked.</summary>
    public static void CheckVersion(DocumentKind kind, IVersionedDocument stored, uint? expectedVersion)
    {
        if (expectedVersion is { } expected && expected != stored.ConcurrencyToken) throw kind.StaleEdit(stored);
    }

    /// <summary>Saves the edits made to the tracked <paramref name="document"/>, described by <paramref name="changes"/>.</summary>
    public async Task SaveEditAsync<T>(PortalDbContext db, DocumentKind kind, T document, Actor actor, string action, string changes, CancellationToken ct)
        where T : class, IVersionedDocument
    {
        Stamp(document, actor);
        try
        {
            await write.RunAsync(db, actor, audit => audit.RecordAsync(action, kind.Target(document.Name), changes), ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone saved between our read and our write: xmin moved on. Their save is the one to name.
            await using var fresh = await dbFactory.CreateDbContextAsync(ct);
            throw kind.StaleEdit(await fresh.Set<T>().AsNoTracking().SingleOrDefaultAsync(Named<T>(document.Name), ct) ?? document);
        }
    }

    public async Task RemoveAsync<T>(PortalDbContext db, DocumentKind kind, T document, Actor actor, string action, string details, CancellationToken ct)
        where T : class, IVersionedDocument =>
        await write.RunAsync(db, actor, async audit =>
        {
            db.Set<T>().Remove(document);
            await audit.RecordAsync(action, kind.Target(document.Name), details);
        }, ct);

    private void Stamp(IVersionedDocument document, Actor actor)
    {
        document.UpdatedBy = actor.Name;
        document.UpdatedAt = time.GetUtcNow();
    }

    private static Expression<Func<T, bool>> Named<T>(string name) where T : class, IVersionedDocument =>
        d => EF.Property<string>(d, nameof(IVersionedDocument.Name)) == name;
}
