using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender;

/// <summary>
/// Budgets and agent limits: create, read, update, delete (validated, audited), closing a breaker with a reason, and the
/// retention of decisions. Every write that touches a budget locks its state row first, so it never interleaves with a
/// decision spending from it.
/// </summary>
public sealed class DefenderService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, DefenderStore store,
    IOptions<DefenderOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<BudgetView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var budgets = await db.DefenderBudgets.AsNoTracking().OrderBy(b => b.Name).ToListAsync(ct);
        var states = await db.DefenderStates.AsNoTracking().Where(s => budgets.Select(b => b.Id).Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        var now = time.GetUtcNow();
        return budgets.Select(b => BudgetView.Of(new BudgetAccount(b, states.GetValueOrDefault(b.Id) ?? new DefenderState { Id = b.Id }), now)).ToList();
    }

    public async Task<BudgetView> GetAsync(string name, CancellationToken ct = default) =>
        (await ListAsync(ct)).SingleOrDefault(b => b.Name == name) ?? throw NotFound(name);

    public async Task<BudgetView> CreateAsync(BudgetRequest request, Actor actor, CancellationToken ct = default)
    {
        var budget = Parse(request);
        budget.CreatedBy = budget.UpdatedBy = actor.Name;
        budget.CreatedAt = budget.UpdatedAt = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            db.DefenderBudgets.Add(budget);
            db.DefenderStates.Add(new DefenderState { Id = budget.Id });
            await audit.RecordAsync(AuditActions.DefenderBudgetCreated, Target(budget.Name), Summary(budget));
        }, ct, refuse: e => AuditedWrite.IsUniqueViolation(e) ? new ConflictException($"A defender budget named '{budget.Name}' already exists.") : null);
        store.Invalidate();
        return await GetAsync(budget.Name, ct);
    }

    /// <summary>
    /// Replaces a budget's definition under its name (the name itself stays). Spends already counted stay: a raised limit has
    /// room at once, a lowered one refuses until enough spends leave its window; a window removed forgets its spends, one
    /// added starts empty.
    /// </summary>
    public async Task<BudgetView> UpdateAsync(string name, BudgetRequest request, Actor actor, CancellationToken ct = default)
    {
        var edited = Parse(request with { Name = name });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            var budget = await LockAsync(db, name, ct);
            (budget.Scope, budget.Resources, budget.Verbs, budget.Limits, budget.Breaker, budget.Mode) =
                (edited.Scope, edited.Resources, edited.Verbs, edited.Limits, edited.Breaker, edited.Mode);
            budget.UpdatedBy = actor.Name;
            budget.UpdatedAt = time.GetUtcNow();
            await audit.RecordAsync(AuditActions.DefenderBudgetUpdated, Target(name), Summary(budget));
        }, ct);
        store.Invalidate();
        return await GetAsync(name, ct);
    }

    public async Task DeleteAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            var budget = await LockAsync(db, name, ct);
            db.DefenderBudgets.Remove(budget);
            await db.DefenderStates.Where(s => s.Id == budget.Id).ExecuteDeleteAsync(ct);
            await audit.RecordAsync(AuditActions.DefenderBudgetDeleted, Target(name), Summary(budget));
        }, ct);
        store.Invalidate();
    }

    /// <summary>An SRE closes a budget's open breaker, saying why; the budget's windows stay as they are.</summary>
    public async Task<BudgetView> CloseBreakerAsync(string name, string? reason, Actor actor, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new ValidationFailedException(["reason: say why the breaker may close."]);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            var budget = await LockAsync(db, name, ct);
            var state = await db.DefenderStates.SingleAsync(s => s.Id == budget.Id, ct);
            if (!AdmissionRules.IsOpen(new BudgetAccount(budget, state), time.GetUtcNow()))
                throw new ConflictException($"The breaker of defender budget '{name}' is not open.");
            var cause = state.BreakerCause;
            (state.BreakerOpenedAt, state.BreakerCause) = (null, "");
            await audit.RecordAsync(AuditActions.DefenderBreakerClosed, Target(name), $"closed ({reason.Trim()}); it had opened on {cause}");
        }, ct);
        return await GetAsync(name, ct);
    }

    public async Task<IReadOnlyList<DefenderAgentLimit>> ListAgentLimitsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DefenderAgentLimits.AsNoTracking().OrderBy(l => l.Pattern).ThenBy(l => l.Resource).ThenBy(l => l.Verb).ToListAsync(ct);
    }

    public async Task<DefenderAgentLimit> CreateAgentLimitAsync(AgentLimitRequest request, Actor actor, CancellationToken ct = default)
    {
        var limit = ParseAgentLimit(request);
        (limit.CreatedBy, limit.CreatedAt) = (actor.Name, time.GetUtcNow());
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            db.DefenderAgentLimits.Add(limit);
            db.DefenderStates.Add(new DefenderState { Id = limit.Id });
            await audit.RecordAsync(AuditActions.DefenderAgentLimitCreated, AgentTarget(limit), $"{limit.PerSecond}/s");
        }, ct, refuse: AgentLimitTaken(limit));
        store.Invalidate();
        return limit;
    }

    /// <summary>Replaces an agent limit's pattern, resource, verb and rate; requests already counted in its last second stay.</summary>
    public async Task<DefenderAgentLimit> UpdateAgentLimitAsync(Guid id, AgentLimitRequest request, Actor actor, CancellationToken ct = default)
    {
        var edited = ParseAgentLimit(request);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        DefenderAgentLimit? limit = null;
        await write.RunAsync(db, actor, async audit =>
        {
            await LockStateAsync(db, id, ct);
            limit = await db.DefenderAgentLimits.SingleOrDefaultAsync(l => l.Id == id, ct) ?? throw AgentLimitNotFound(id);
            var before = $"{AgentTarget(limit)} {limit.PerSecond}/s";
            (limit.Pattern, limit.Resource, limit.Verb, limit.PerSecond) = (edited.Pattern, edited.Resource, edited.Verb, edited.PerSecond);
            await audit.RecordAsync(AuditActions.DefenderAgentLimitUpdated, AgentTarget(limit), $"{limit.PerSecond}/s (was {before})");
        }, ct, refuse: AgentLimitTaken(edited));
        store.Invalidate();
        return limit!;
    }

    public async Task DeleteAgentLimitAsync(Guid id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            await LockStateAsync(db, id, ct);
            var limit = await db.DefenderAgentLimits.SingleOrDefaultAsync(l => l.Id == id, ct) ?? throw AgentLimitNotFound(id);
            db.DefenderAgentLimits.Remove(limit);
            await db.DefenderStates.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
            await audit.RecordAsync(AuditActions.DefenderAgentLimitDeleted, AgentTarget(limit), $"{limit.PerSecond}/s");
        }, ct);
        store.Invalidate();
    }

    /// <summary>Deletes decisions older than the retention period; returns how many. Safe to run twice.</summary>
    public async Task<int> DeleteExpiredDecisionsAsync(CancellationToken ct = default)
    {
        var before = time.GetUtcNow() - options.Value.DecisionRetention;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DefenderDecisions.Where(d => d.At < before).ExecuteDeleteAsync(ct);
    }

    /// <summary>The budget named <paramref name="name"/>, tracked, with its state row locked until the transaction ends.</summary>
    private static async Task<DefenderBudget> LockAsync(PortalDbContext db, string name, CancellationToken ct)
    {
        var id = await db.DefenderBudgets.Where(b => b.Name == name).Select(b => (Guid?)b.Id).SingleOrDefaultAsync(ct) ?? throw NotFound(name);
        await LockStateAsync(db, id, ct);
        return await db.DefenderBudgets.SingleOrDefaultAsync(b => b.Id == id, ct) ?? throw NotFound(name);
    }

    private static Task LockStateAsync(PortalDbContext db, Guid id, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT 1 FROM defender_states WHERE \"Id\" = {id} FOR UPDATE", ct);

    /// <summary>Turns a request into a budget, or throws with every problem a person must fix, each naming its field.</summary>
    public static DefenderBudget Parse(BudgetRequest request)
    {
        var scope = request.Scope ?? new BudgetScopeRequest(null, null, null, null);
        var budget = new DefenderBudget
        {
            Name = (request.Name ?? "").Trim(),
            Scope = new BudgetScope
            {
                Environments = Clean(scope.Environments),
                Clusters = Clean(scope.Clusters),
                Labels = (scope.Labels ?? []).ToDictionary(l => l.Key.Trim(), l => (l.Value ?? "").Trim()),
                Namespaces = Clean(scope.Namespaces),
            },
            Resources = Clean(request.Resources),
            Verbs = Clean(request.Verbs),
            Limits = new Dictionary<string, int>(request.Limits ?? []),
            Breaker = new BreakerSettings
            {
                TripOnExhaustion = request.Breaker?.TripOnExhaustion ?? false,
                TripAfterRefusals = request.Breaker?.TripAfterRefusals ?? 0,
                RefusalWindow = request.Breaker?.RefusalWindow?.Trim() ?? new BreakerSettings().RefusalWindow,
                CoolDownMinutes = request.Breaker?.CoolDownMinutes ?? 0,
            },
            Mode = (request.Mode ?? "enforce").Trim().ToLowerInvariant() switch
            {
                "enforce" => BudgetMode.Enforce,
                "shadow" => BudgetMode.Shadow,
                _ => (BudgetMode)(-1),
            },
        };
        var problems = DefenderRules.Validate(budget).ToList();
        if (!Enum.IsDefined(budget.Mode)) problems.Add($"mode: '{request.Mode}' is neither \"enforce\" nor \"shadow\".");
        if (problems.Count > 0) throw new ValidationFailedException(problems);
        return budget;
    }

    public static string Target(string budget) => $"defender-budget/{budget}";

    /// <summary>Turns a request into an agent limit ("*" where resource or verb is left out), or throws with every problem, each naming its field.</summary>
    public static DefenderAgentLimit ParseAgentLimit(AgentLimitRequest request)
    {
        var limit = new DefenderAgentLimit
        {
            Pattern = (request.Pattern ?? "").Trim(),
            Resource = string.IsNullOrWhiteSpace(request.Resource) ? AgentLimits.Any : request.Resource.Trim(),
            Verb = string.IsNullOrWhiteSpace(request.Verb) ? AgentLimits.Any : request.Verb.Trim(),
            PerSecond = request.PerSecond ?? 0,
        };
        if (AgentLimits.Validate(limit) is { Count: > 0 } problems) throw new ValidationFailedException(problems);
        return limit;
    }

    private static Func<DbUpdateException, Exception?> AgentLimitTaken(DefenderAgentLimit limit) => e => AuditedWrite.IsUniqueViolation(e)
        ? new ConflictException($"An agent limit for '{limit.Pattern}' on {limit.Verb} {limit.Resource} already exists.") : null;

    private static NotFoundException AgentLimitNotFound(Guid id) => new($"No agent limit {id}.");

    private static string AgentTarget(DefenderAgentLimit limit) => $"defender-agent-limit/{limit.Pattern} {limit.Verb} {limit.Resource}";

    private static NotFoundException NotFound(string name) => new($"No defender budget named '{name}'.");

    private static List<string> Clean(List<string>? values) =>
        (values ?? []).Select(v => (v ?? "").Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string Summary(DefenderBudget b) =>
        $"{b.Mode.ToString().ToLowerInvariant()} budget on {string.Join("/", b.Verbs)} of {string.Join(", ", b.Resources)} in {b.Scope}: "
        + string.Join(", ", b.Limits.OrderBy(l => BudgetWindows.Known.GetValueOrDefault(l.Key)).Select(l => $"{l.Value} per {l.Key}"))
        + (b.Breaker.TripOnExhaustion ? "; breaker trips on exhaustion" : "")
        + (b.Breaker.TripAfterRefusals > 0 ? $"; breaker trips after {b.Breaker.TripAfterRefusals} refusals within {b.Breaker.RefusalWindow}" : "")
        + (b.Breaker.Armed ? $", cool-down {b.Breaker.CoolDownMinutes} min" : "");
}
