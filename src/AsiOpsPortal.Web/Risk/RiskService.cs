using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Risk;

/// <summary>
/// Risk rule settings (list, read, update by an Admin, audited) and the risk check of a change: gathers what the pure rules
/// in Core look at (each planned cluster's facts, the version's release history, the clock) and records findings and risk.
/// </summary>
public sealed class RiskService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, TimeProvider time, ILogger<RiskService> log)
{
    public async Task<IReadOnlyList<RiskRuleView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await LoadSettingsAsync(db, ct);
        return BuiltInRules.All.Select(rule => ToView(rule, RiskEvaluator.Effective(rule, settings))).ToList();
    }

    public async Task<RiskRuleView?> GetAsync(string name, CancellationToken ct = default)
    {
        var rule = BuiltInRules.Find(name);
        if (rule is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return ToView(rule, RiskEvaluator.Effective(rule, await LoadSettingsAsync(db, ct)));
    }

    public async Task<RiskRuleView> UpdateAsync(string name, RiskRuleUpdate update, Actor actor, CancellationToken ct = default)
    {
        var rule = BuiltInRules.Find(name) ?? throw new NotFoundException($"No risk rule named '{name}'. Rules: {string.Join(", ", BuiltInRules.All.Select(r => r.Name))}.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await LoadSettingsAsync(db, ct);
        var setting = await db.RiskRuleSettings.SingleAsync(s => s.Rule == rule.Name, ct);
        var before = Describe(setting);

        var problems = new List<string>();
        if (update.Severity is not null)
        {
            if (RiskViewText.ParseSeverity(update.Severity) is { } severity) setting.Severity = severity;
            else problems.Add($"severity must be \"{RiskViewText.Blocking}\" or \"{RiskViewText.Warning}\".");
        }
        if (update.Enabled is { } enabled) setting.Enabled = enabled;
        if (update.Scope is not null) setting.Scope = update.Scope.Trim();
        if (update.Parameters is not null)
        {
            var merged = new Dictionary<string, string>(setting.Parameters);
            foreach (var (key, value) in update.Parameters) merged[key] = (value ?? "").Trim();
            setting.Parameters = merged;
        }
        problems.AddRange(rule.Problems(setting));
        if (problems.Count > 0) throw new ValidationFailedException(problems);

        setting.UpdatedBy = actor.Name;
        setting.UpdatedAt = time.GetUtcNow();
        await write.RunAsync(db, actor, audit => audit.RecordAsync(AuditActions.RiskRuleUpdated, $"risk-rule/{rule.Name}", $"{before} → {Describe(setting)}"), ct);
        return ToView(rule, setting);
    }

    /// <summary>
    /// Runs the enabled rules over <paramref name="change"/>'s plan and records the findings, the risk level with its reasons,
    /// and the approvals that level needs. An override given earlier stays only if it was for the change's current revision.
    /// </summary>
    public async Task AssessAsync(PortalDbContext db, Change change, CancellationToken ct = default)
    {
        var ids = change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.ClusterId).ToList();
        var fleet = await db.Clusters.AsNoTracking().Where(c => ids.Contains(c.Id))
            .Select(c => new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels))
            .ToDictionaryAsync(c => c.Id, ct);
        var context = new RiskContext(RiskContext.WavesOf(change.Plan, fleet), change.RollbackPlan, change.Version,
            await SucceededInAsync(db, change, ct), time.GetUtcNow());
        var (findings, grade) = RiskEvaluator.Assess(context, await LoadSettingsAsync(db, ct));
        var kept = change.Risk.Override is { } given && given.Revision == change.Revision ? given : null;
        change.Risk = new RiskReport { Findings = findings.ToList(), Reasons = grade.Reasons.ToList(), Override = kept };
        change.RiskLevel = grade.Level;
        change.RequiredApprovals = ApprovalPolicy.RequiredApprovals(grade.Level);
    }

    /// <summary>Environments where the change's version already succeeded: clusters that run it now, and earlier changes that finished well.</summary>
    private static async Task<IReadOnlySet<string>> SucceededInAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        var environments = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (change.VersionId is not { } versionId) return environments;
        environments.UnionWith(await db.ClusterReleases.AsNoTracking().Where(r => r.VersionId == versionId && r.Drift == null)
            .Join(db.Clusters, r => r.ClusterId, c => c.Id, (r, c) => c.Environment).Distinct().ToListAsync(ct));
        var plans = await db.Changes.AsNoTracking()
            .Where(c => c.VersionId == versionId && c.Status == ChangeStatus.Succeeded && c.Id != change.Id)
            .Select(c => c.Plan).ToListAsync(ct);
        environments.UnionWith(plans.SelectMany(p => p.Waves).SelectMany(w => w.Clusters).Select(c => c.Environment));
        return environments;
    }

    /// <summary>Stored settings, with a row added for every built-in rule that has none yet (so the table shows every rule).</summary>
    private async Task<IReadOnlyList<RiskRuleSetting>> LoadSettingsAsync(PortalDbContext db, CancellationToken ct)
    {
        var stored = await db.RiskRuleSettings.ToListAsync(ct);
        foreach (var unknown in RiskEvaluator.Unknown(stored))
            log.LogWarning("Risk rule settings for '{Rule}' name no built-in rule; ignored", unknown);
        var missing = BuiltInRules.All.Where(rule => stored.All(s => !s.Rule.Equals(rule.Name, StringComparison.OrdinalIgnoreCase))).ToList();
        if (missing.Count == 0) return stored;
        var seeded = missing.Select(rule => rule.Defaults()).ToList();
        try
        {
            await using var seeding = await dbFactory.CreateDbContextAsync(ct);
            seeding.RiskRuleSettings.AddRange(seeded.Select(s => { s.UpdatedBy = "defaults"; s.UpdatedAt = time.GetUtcNow(); return s; }));
            await seeding.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            // Another request seeded them first; its rows hold the same defaults.
        }
        return await db.RiskRuleSettings.ToListAsync(ct);
    }

    private static RiskRuleView ToView(RiskRule rule, RiskRuleSetting setting) => new(
        rule.Name, rule.Title, setting.Enabled, RiskViewText.Of(setting.Severity), setting.Scope,
        rule.Parameters.Select(p => new RuleParameterView(p.Name, setting.Parameters.GetValueOrDefault(p.Name, p.Default), p.Default, p.Description)).ToList(),
        RiskViewText.Of(rule.DefaultSeverity), rule.DefaultScope, setting.UpdatedBy, setting.UpdatedBy.Length == 0 ? null : setting.UpdatedAt);

    private static string Describe(RiskRuleSetting s) =>
        $"{(s.Enabled ? "enabled" : "disabled")}, {RiskViewText.Of(s.Severity)}, scope '{s.Scope}'"
        + (s.Parameters.Count == 0 ? "" : ", " + string.Join(", ", s.Parameters.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
}
