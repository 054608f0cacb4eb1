using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Risk;
using Microsoft.EntityFrameworkCore;
using static AsiOpsPortal.Web.Changes.ChangeNames;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Proposing a change and reshaping it before approval: propose (with the exact plan and risk), preview, edit, and what the
/// form offers. Blocking risk findings refuse a proposal unless an Admin overrides them, audited.
/// </summary>
public sealed class ChangeProposals(
    IDbContextFactory<PortalDbContext> dbFactory,
    ChangeWriter writer,
    ChangeQueries queries,
    RiskService risk,
    TimeProvider time)
{
    public const int MaxTitleLength = 200;

    /// <summary>
    /// Proposes a change. Blocking risk findings refuse it (<see cref="RiskBlockedException"/>) unless the proposal carries an
    /// override reason and the actor is an Admin; the override is then stored and audited.
    /// </summary>
    public async Task<ChangeDetail> ProposeAsync(ChangeProposal proposal, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = new Change { Title = "", PipelineName = "", RequestedBy = actor.Name, CreatedAt = time.GetUtcNow() };
        change.UpdatedAt = change.CreatedAt;
        await DescribeAsync(db, change, proposal, ct);
        await risk.AssessAsync(db, change, ct);
        var overridden = GuardRisk(change, proposal, actor);

        return await writer.AddAsync(db, change, actor, async audit =>
        {
            await audit.RecordAsync(AuditActions.ChangeProposed, Target(change),
                $"{What(change)} via {Path(change)}; risk {ChangeViewText.Of(change.RiskLevel)}, {change.Plan.Waves.Sum(w => w.Clusters.Count)} clusters in {change.Plan.Waves.Count} waves{AsksToRunThrough(change)}");
            if (overridden) await AuditOverrideAsync(audit, change);
        }, ct);
    }

    /// <summary>
    /// Edits what, where or why while the change awaits approval: the plan is made again and the revision bumped, so
    /// approvals already given stop counting. Only the requester or an SRE may edit. With <paramref name="expectedRevision"/>
    /// (the revision the editor started from), an edit someone else saved meanwhile is refused rather than overwritten.
    /// </summary>
    /// <remarks>An override of blocking findings is for one revision: an edit that still blocks needs an Admin's override again.</remarks>
    public Task<ChangeDetail> EditAsync(long id, ChangeProposal proposal, Actor actor, int? expectedRevision = null, CancellationToken ct = default) =>
        writer.DecideAsync(id, actor, async (db, audit, change) =>
        {
            if (!ChangeLifecycle.MayEdit(change.RequestedBy, actor.Name, actor.Role))
                throw new ForbiddenException("Only the requester or an SRE may edit a change.");
            if (ChangeLifecycle.Refusal(change.Status, ChangeAction.Edit) is { } refusal) throw new ConflictException(refusal);
            if (expectedRevision is { } expected && expected != change.Revision)
                throw new ConflictException($"Someone edited this change after you opened it (it is at revision {change.Revision} now); reload it to see their edit.");

            var voided = ApprovalPolicy.Count(change);
            var before = change.Plan;
            (change.ComponentId, change.ComponentName, change.VersionId, change.Version, change.Manifests) = (null, null, null, null, null);
            await DescribeAsync(db, change, proposal, ct);
            change.PlanBeforeEdit = before;
            change.Revision++;
            // Whoever shaped a revision is its author: their approval would let one person both write and pass it.
            if (!ApprovalPolicy.IsAuthor(change, actor.Name)) change.EditedBy = [.. change.EditedBy, actor.Name];
            change.UpdatedAt = time.GetUtcNow();
            await risk.AssessAsync(db, change, ct);
            var overridden = GuardRisk(change, proposal, actor);

            await audit.RecordAsync(AuditActions.ChangeEdited, Target(change),
                $"revision {change.Revision}: {What(change)} via {Path(change)}; {voided} approvals voided{AsksToRunThrough(change)}");
            if (overridden) await AuditOverrideAsync(audit, change);
            return false;
        }, ct);

    /// <summary>The plan, risk and approvals a proposal would get, without saving anything: shown before submitting.</summary>
    public async Task<ChangeDetail> PreviewAsync(ChangeProposal proposal, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = new Change { Title = "", PipelineName = "", RequestedBy = actor.Name, CreatedAt = time.GetUtcNow() };
        await DescribeAsync(db, change, proposal, ct);
        await risk.AssessAsync(db, change, ct);
        return await queries.UnsavedAsync(db, change, ct);
    }

    /// <summary>What the edit form starts from: the proposal the change holds now, and how many approvals saving would void.</summary>
    public async Task<ChangeDraft?> DraftAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct);
        if (change is null) return null;
        var proposal = new ChangeProposal(change.Title, change.Reason, change.RollbackPlan, change.ComponentName, change.Version,
            change.SchedulerPolicyName is null ? change.PipelineName : null, change.Manifests, change.Manifests is null ? null : change.Namespace,
            SchedulerPolicy: change.SchedulerPolicyName,
            RunThrough: change.RunThrough.IsRequested ? new RunThroughRequest(change.RunThrough.WindowNames, change.RunThrough.Reason) : null);
        return new ChangeDraft(change.Id, proposal, ChangeViewText.Of(change.Status), change.RequestedBy, change.Revision,
            ApprovalPolicy.Count(change), change.RequiredApprovals);
    }

    /// <summary>What the proposal form offers: components with their versions (newest first) and pipelines.</summary>
    public async Task<ProposalChoices> ChoicesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var components = await db.Components.AsNoTracking().OrderBy(c => c.Name)
            .Select(c => new ComponentChoice(c.Name, c.Versions.OrderByDescending(v => v.CreatedAt).Select(v => v.Version).ToList()))
            .ToListAsync(ct);
        var pipelines = await db.Pipelines.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(ct);
        var policies = await db.SchedulerPolicies.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(ct);
        var windows = await db.FreezeWindows.AsNoTracking().Select(w => w.Name).Distinct().OrderBy(n => n).ToListAsync(ct);
        return new ProposalChoices(components, pipelines, policies) { FreezeWindows = windows };
    }

    /// <summary>Fills in what, where, why and risk from the proposal; throws with every problem a person must fix.</summary>
    private static async Task DescribeAsync(PortalDbContext db, Change change, ChangeProposal proposal, CancellationToken ct)
    {
        change.Title = (proposal.Title ?? "").Trim();
        change.Reason = (proposal.Reason ?? "").Trim();
        change.RollbackPlan = (proposal.RollbackPlan ?? "").Trim();
        change.PipelineName = (proposal.Pipeline ?? "").Trim();
        change.SchedulerPolicyName = string.IsNullOrWhiteSpace(proposal.SchedulerPolicy) ? null : proposal.SchedulerPolicy.Trim();
        var errors = new List<string>();
        if (change.Title.Length == 0) errors.Add("A title is required.");
        if (change.Title.Length > MaxTitleLength) errors.Add($"The title is longer than {MaxTitleLength} characters.");
        if (change.Reason.Length == 0) errors.Add("Say why the change is needed (reason).");

        var componentName = proposal.Component?.Trim();
        var manifests = proposal.Manifests;
        // Refused rather than one silently dropped: the requester must see which of the two will be applied.
        if (!string.IsNullOrEmpty(componentName) && !string.IsNullOrWhiteSpace(manifests))
            errors.Add("Give a component and version, or manifests, not both.");
        else if (!string.IsNullOrEmpty(componentName))
        {
            var component = await db.Components.AsNoTracking().SingleOrDefaultAsync(c => c.Name == componentName, ct);
            var version = component is null ? null
                : await db.ComponentVersions.AsNoTracking().SingleOrDefaultAsync(v => v.ComponentId == component.Id && v.Version == (proposal.Version ?? "").Trim(), ct);
            if (component is null) errors.Add($"No component named '{componentName}'.");
            else if (version is null) errors.Add($"Component '{componentName}' has no version '{proposal.Version}'.");
            else
            {
                change.ComponentId = component.Id;
                change.ComponentName = component.Name;
                change.VersionId = version.Id;
                change.Version = version.Version;
                change.Namespace = component.Namespace;
            }
        }
        else if (!string.IsNullOrWhiteSpace(manifests))
        {
            try
            {
                Manifests.Parse(manifests);
                change.Manifests = manifests;
                change.Namespace = string.IsNullOrWhiteSpace(proposal.Namespace) ? "default" : proposal.Namespace.Trim();
            }
            catch (ManifestException e)
            {
                errors.Add(e.Message);
            }
        }
        else
        {
            errors.Add("Say what to apply: a component and version, or manifests.");
        }
        change.RunThrough = await RunThroughAsync(db, proposal.RunThrough, errors, ct);

        await ChangePlanner.PlanAsync(db, change, errors, ct);
    }

    /// <summary>The freeze windows a proposal asks to run through, by name (or id, when names repeat); problems go to <paramref name="errors"/>.</summary>
    private static async Task<FreezeException> RunThroughAsync(PortalDbContext db, RunThroughRequest? request, List<string> errors, CancellationToken ct)
    {
        var asked = (request?.Windows ?? []).Select(w => (w ?? "").Trim()).Where(w => w.Length > 0).Distinct().ToList();
        if (asked.Count == 0) return new FreezeException();
        var reason = (request!.Reason ?? "").Trim();
        if (reason.Length == 0) errors.Add("Say why the change must run through the freeze (freeze exception reason).");
        var ids = asked.Select(w => Guid.TryParse(w, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
        var windows = await db.FreezeWindows.AsNoTracking().Where(w => asked.Contains(w.Name) || ids.Contains(w.Id))
            .Select(w => new { w.Id, w.Name }).ToListAsync(ct);
        var exception = new FreezeException { Reason = reason };
        foreach (var name in asked)
        {
            var matching = windows.Where(w => w.Name == name || w.Id.ToString() == name.ToLowerInvariant()).ToList();
            if (matching.Count == 0) errors.Add($"No freeze window named '{name}'.");
            else if (matching.Count > 1) errors.Add($"Several freeze windows are named '{name}'; name the one meant by its id ({string.Join(", ", matching.Select(w => w.Id))}).");
            else if (!exception.WindowIds.Contains(matching[0].Id))
            {
                exception.WindowIds.Add(matching[0].Id);
                exception.WindowNames.Add(matching[0].Name);
            }
        }
        return exception;
    }

    /// <summary>
    /// Refuses a change with blocking findings unless an Admin overrides them with a reason, which is then recorded on the
    /// change; true when it was. A reason given when nothing blocks is not recorded.
    /// </summary>
    private bool GuardRisk(Change change, ChangeProposal proposal, Actor actor)
    {
        if (!change.Risk.IsBlocked) return false;
        var reason = (proposal.OverrideReason ?? "").Trim();
        if (reason.Length == 0) throw new RiskBlockedException(ChangeDetails.Build(change, [], [], []));
        if (!Roles.Satisfies(actor.Role, Roles.Admin))
            throw new ForbiddenException("Only an Admin may override blocking risk findings.");
        change.Risk = new RiskReport
        {
            Findings = change.Risk.Findings, Reasons = change.Risk.Reasons,
            Override = new RiskOverride { By = actor.Name, Reason = reason, At = time.GetUtcNow(), Revision = change.Revision },
        };
        return true;
    }

    /// <summary>Audits the override <see cref="GuardRisk"/> recorded; its author is the actor of the write.</summary>
    private static Task AuditOverrideAsync(AuditTrail audit, Change change)
    {
        var given = change.Risk.Override!;
        var rules = string.Join(", ", change.Risk.Findings.Where(f => f.Severity == RuleSeverity.Blocking).Select(f => f.Rule).Distinct());
        return audit.RecordAsync(AuditActions.ChangeRiskOverridden, Target(change), $"revision {change.Revision}: blocking findings of {rules} overridden: {given.Reason}");
    }

    private static string AsksToRunThrough(Change change) =>
        change.RunThrough.IsRequested ? $"; asks to run through {FreezeWindows(change)}: {change.RunThrough.Reason}" : "";
}
