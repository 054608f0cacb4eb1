using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AsiOpsPortal.Web.Gates;

/// <summary>Registering, listing and removing webhook gates. Header values go in encrypted and never come out here.</summary>
public sealed class GateService(
    IDbContextFactory<PortalDbContext> dbFactory,
    GateProtector protector,
    AuditedWrite write,
    IOptions<PortalOptions> options,
    TimeProvider time)
{
    public async Task<IReadOnlyList<GateView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gates = await db.Gates.AsNoTracking().OrderBy(g => g.Stage).ThenBy(g => g.Name).ToListAsync(ct);
        return gates.Select(GateView.Of).ToList();
    }

    public async Task<GateView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Gates.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct) is { } gate ? GateView.Of(gate) : null;
    }

    /// <summary>The hosts gates may call, for forms that want to say so before anyone types a URL.</summary>
    public IReadOnlyList<string> AllowedHosts => options.Value.GateAllowedHosts;

    public async Task<GateView> CreateAsync(GateDraft draft, Actor actor, CancellationToken ct = default)
    {
        var name = (draft.Name ?? "").Trim();
        var url = (draft.Url ?? "").Trim();
        var headers = (draft.Headers ?? []).ToDictionary(h => h.Key.Trim(), h => h.Value ?? "");
        var scope = string.IsNullOrWhiteSpace(draft.Scope) ? null : draft.Scope.Trim();
        var timeout = draft.TimeoutSeconds ?? GateRules.DefaultTimeoutSeconds;
        var retries = draft.Retries ?? GateRules.DefaultRetries;
        var errors = GateRules.Validate(name, url, headers, scope, timeout, retries, options.Value.GateAllowedHosts).ToList();
        var stage = GatePayload.ParseStage(draft.Stage);
        if (stage is null) errors.Add($"Stage '{draft.Stage}' is unknown. Use beforeChange, beforeWave or afterWave.");
        if (errors.Count > 0) throw new ValidationFailedException(errors);

        var gate = new Gate
        {
            Name = name, Url = url, Stage = stage!.Value, Scope = scope, TimeoutSeconds = timeout, Retries = retries,
            Enabled = draft.Enabled ?? true, HeaderNames = headers.Keys.Order(StringComparer.OrdinalIgnoreCase).ToList(),
            EncryptedHeaders = protector.Protect(headers), CreatedBy = actor.Name, CreatedAt = time.GetUtcNow(),
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            db.Gates.Add(gate);
            await audit.RecordAsync(AuditActions.GateCreated, Target(gate.Name),
                $"{GatePayload.StageName(gate.Stage)} {gate.Url}" + (gate.Scope is null ? "" : $" for {gate.Scope}"));
        }, ct, refuse: e => AuditedWrite.IsUniqueViolation(e) ? new ConflictException($"A gate named '{name}' already exists.") : null);
        return GateView.Of(gate);
    }

    public async Task DeleteAsync(Guid id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gate = await db.Gates.SingleOrDefaultAsync(g => g.Id == id, ct) ?? throw new NotFoundException($"No gate {id}.");
        await write.RunAsync(db, actor, async audit =>
        {
            db.Gates.Remove(gate);
            await audit.RecordAsync(AuditActions.GateDeleted, Target(gate.Name), gate.Url);
        }, ct);
    }

    private static string Target(string name) => $"gate/{name}";
}
