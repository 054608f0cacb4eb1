using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Risk;
using Microsoft.EntityFrameworkCore;
using static AsiOpsPortal.Web.Changes.ChangeNames;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Reviewing a change: approve or reject (never the change's authors), and an Admin's grant to run through freeze windows.
/// The review that completes the approvals checks the risk rules again, freezes the plan and starts the rollout.
/// </summary>
public sealed class ChangeReviews(IDbContextFactory<PortalDbContext> dbFactory, ChangeWriter writer, RiskService risk, TimeProvider time)
{
    /// <summary>Approve or reject. The last approval freezes the plan and starts the rollout.</summary>
    public Task<ChangeDetail> ReviewAsync(long id, ReviewRequest request, Actor actor, CancellationToken ct = default)
    {
        var decision = request.Decision?.Trim().ToLowerInvariant() switch
        {
            "approve" => ApprovalDecision.Approve,
            "reject" => ApprovalDecision.Reject,
            _ => throw new ValidationFailedException(["decision must be \"approve\" or \"reject\"."]),
        };
        var comment = (request.Comment ?? "").Trim();
        if (decision == ApprovalDecision.Reject && comment.Length == 0)
            throw new ValidationFailedException(["Say why you reject the change, so the requester can act on it."]);

        return writer.DecideAsync(id, actor, async (db, audit, change) =>
        {
            if (!Roles.Satisfies(actor.Role, ApprovalPolicy.ApproverRole))
                throw new ForbiddenException($"Reviewing changes needs the {ApprovalPolicy.ApproverRole} role.");
            if (ApprovalPolicy.Refusal(change, actor.Name, actor.Role, decision) is { } refusal) throw new ConflictException(refusal);

            var now = time.GetUtcNow();
            change.Approvals.Add(new Approval { Approver = actor.Name, ApproverRole = actor.Role, Decision = decision, Comment = comment, Revision = change.Revision, At = now });
            change.UpdatedAt = now;
            if (decision == ApprovalDecision.Reject)
            {
                change.Status = ChangeLifecycle.After(change.Status, ChangeAction.Reject);
                change.StatusReason = $"Rejected by {actor.Name}: {comment}";
                change.FinishedAt = now;
                await audit.RecordAsync(AuditActions.ChangeRejected, Target(change), comment);
            }
            else
            {
                await audit.RecordAsync(AuditActions.ChangeApprovalGiven, Target(change),
                    $"approval {ApprovalPolicy.Count(change)} of {change.RequiredApprovals} for revision {change.Revision}" + (comment.Length > 0 ? $": {comment}" : ""));
                return await StartIfApprovedAsync(db, audit, change, now, ct);
            }
            return false;
        }, ct);
    }

    /// <summary>
    /// An Admin grants the change's request to run through freeze windows, with a reason; audited. Like the last approval,
    /// the grant starts the rollout when the reviews are already in.
    /// </summary>
    public Task<ChangeDetail> GrantFreezeExceptionAsync(long id, string? reason, Actor actor, CancellationToken ct = default)
    {
        var why = (reason ?? "").Trim();
        if (why.Length == 0) throw new ValidationFailedException(["Say why the change may run through the freeze; the reason is audited."]);
        return writer.DecideAsync(id, actor, async (db, audit, change) =>
        {
            if (!Roles.Satisfies(actor.Role, Roles.Admin)) throw new ForbiddenException("Only an Admin may grant a freeze exception.");
            if (ApprovalPolicy.ExceptionRefusal(change, actor.Name, actor.Role) is { } refusal) throw new ConflictException(refusal);

            var now = time.GetUtcNow();
            change.Approvals.Add(new Approval
            {
                Kind = ApprovalKind.FreezeException, Approver = actor.Name, ApproverRole = actor.Role, Decision = ApprovalDecision.Approve,
                Comment = why, Revision = change.Revision, At = now,
            });
            change.UpdatedAt = now;
            await audit.RecordAsync(AuditActions.ChangeFreezeExceptionGranted, Target(change), $"revision {change.Revision} may run through {FreezeWindows(change)}: {why}");
            return await StartIfApprovedAsync(db, audit, change, now, ct);
        }, ct);
    }

    /// <summary>
    /// Why <paramref name="user"/> may not approve the change now, and why they may not grant its freeze exception (null:
    /// they may): the change page asks before offering the buttons.
    /// </summary>
    public async Task<ChangeRefusals> RefusalsAsync(long id, Actor user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct);
        return change is null
            ? new ChangeRefusals($"No change #{id}.", $"No change #{id}.")
            : new ChangeRefusals(ApprovalPolicy.Refusal(change, user.Name, user.Role, ApprovalDecision.Approve), ApprovalPolicy.ExceptionRefusal(change, user.Name, user.Role));
    }

    /// <summary>
    /// When every approval the change needs is in: checks the risk rules once more, then freezes the plan, creates its rollout
    /// rows and audits it; true when it did. Rules, their settings, the fleet's history and the clock (business hours) may have
    /// moved since the proposal: a rule that blocks now refuses the start (nothing is recorded), and a higher risk level asks
    /// for the approvals it needs before the change starts.
    /// </summary>
    private async Task<bool> StartIfApprovedAsync(PortalDbContext db, AuditTrail audit, Change change, DateTimeOffset now, CancellationToken ct)
    {
        if (!ApprovalPolicy.IsSatisfied(change)) return false;
        var before = change.Risk;
        var level = change.RiskLevel;
        await risk.AssessAsync(db, change, ct);
        // An Admin's override of this revision covers the rules it overrode, not rules that began to block since.
        var overridden = before.Override is null ? [] : before.Findings.Where(f => f.Severity == RuleSeverity.Blocking).Select(f => f.Rule).ToHashSet();
        var blocking = change.Risk.Findings.Where(f => f.Severity == RuleSeverity.Blocking && !overridden.Contains(f.Rule)).ToList();
        if (blocking.Count > 0)
            throw new ConflictException($"The risk rules block this change now, so it cannot start: {string.Join(" ", blocking.Select(f => f.Message))} " +
                "The requester may edit it (an Admin may override the findings while editing).");
        if (change.RiskLevel != level)
        {
            await audit.RecordAsync(AuditActions.ChangeRiskRechecked, Target(change),
                $"checked again at approval: risk {ChangeViewText.Of(level)} → {ChangeViewText.Of(change.RiskLevel)}; needs {ApprovalPolicy.Describe(change.RiskLevel)}");
            if (!ApprovalPolicy.IsSatisfied(change)) return false;
        }
        await FreezeAndStartAsync(db, change, now, ct);
        await audit.RecordAsync(AuditActions.ChangeApproved, Target(change),
            $"plan frozen: {string.Join(" → ", change.Plan.Waves.Select(w => $"{w.Name} ({w.Clusters.Count})"))}; rollout started");
        return true;
    }

    private async Task FreezeAndStartAsync(PortalDbContext db, Change change, DateTimeOffset now, CancellationToken ct)
    {
        await ChangePlanner.PinPreviousVersionsAsync(db, change, ct);
        // The versions are pinned in place; JsonColumn compares the plan by its JSON, so they are saved with it.
        change.PlanFrozenAt = now;
        change.Status = ChangeLifecycle.After(ChangeLifecycle.After(change.Status, ChangeAction.Approve), ChangeAction.Start);
        change.StartedAt = now;
        change.StatusReason = null;
        for (var w = 0; w < change.Plan.Waves.Count; w++)
        {
            var wave = change.Plan.Waves[w];
            db.RolloutWaves.Add(new RolloutWave { ChangeId = change.Id, Phase = RolloutPhase.Forward, Index = w, Name = wave.Name });
            for (var p = 0; p < wave.Clusters.Count; p++)
                db.RolloutSteps.Add(new RolloutStep
                {
                    ChangeId = change.Id, Phase = RolloutPhase.Forward, Wave = w, Position = p,
                    ClusterId = wave.Clusters[p].ClusterId, ClusterName = wave.Clusters[p].Name,
                });
        }
    }
}
