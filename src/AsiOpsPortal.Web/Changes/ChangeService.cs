using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Scheduling;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Gates;
using AsiOpsPortal.Web.Freeze;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Risk;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Changes;

/// <summary>
/// Changes from proposal to the end of their rollout: propose (with the exact plan), review, and the operator's
/// pause / resume / abort / rollback. Every transition is checked by the pure rules in Core and audited in the same
/// transaction; concurrent decisions are settled by the change row's concurrency token.
/// </summary>
public sealed class ChangeService(
    IDbContextFactory<PortalDbContext> dbFactory,
    AuditedWrite write,
    RolloutScheduler rollouts,
    FleetNotifier notifier,
    RiskService risk,
    FreezeService freeze,
    TimeProvider time)
{
    public const int MaxTitleLength = 200;

    public Task<ChangeDetail> ProposeAsync(ChangeProposal proposal, string actor, CancellationToken ct = default) =>
        ProposeAsync(proposal, actor, Roles.Developer, ct);

    /// <summary>
    /// Proposes a change. Blocking risk findings refuse it (<see cref="RiskBlockedException"/>) unless the proposal carries an
    /// override reason and <paramref name="role"/> is Admin; the override is then stored and audited.
    /// </summary>
    public async Task<ChangeDetail> ProposeAsync(ChangeProposal proposal, string actor, string role, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = new Change { Title = "", PipelineName = "", RequestedBy = actor, CreatedAt = time.GetUtcNow() };
        change.UpdatedAt = change.CreatedAt;
        await DescribeAsync(db, change, proposal, ct);
        await risk.AssessAsync(db, change, ct);
        var overridden = GuardRisk(change, proposal, actor, role);

        await write.RunAsync(db, actor, async audit =>
        {
            db.Changes.Add(change);
            // The audit names the change by its id, which the first save gives it.
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(AuditActions.ChangeProposed, Target(change),
                $"{What(change)} via {Path(change)}; risk {ChangeViewText.Of(change.RiskLevel)}, {change.Plan.Waves.Sum(w => w.Clusters.Count)} clusters in {change.Plan.Waves.Count} waves{AsksToRunThrough(change)}");
            if (overridden) await AuditOverrideAsync(audit, change);
        }, ct);
        await notifier.PublishChangeAsync(change.Id, ct);
        return (await GetAsync(change.Id, ct))!;
    }

    /// <summary>
    /// Edits what, where or why while the change awaits approval: the plan is made again and the revision bumped, so
    /// approvals already given stop counting. Only the requester or an SRE may edit. With <paramref name="expectedRevision"/>
    /// (the revision the editor started from), an edit someone else saved meanwhile is refused rather than overwritten.
    /// </summary>
    /// <remarks>An override of blocking findings is for one revision: an edit that still blocks needs an Admin's override again.</remarks>
    public async Task<ChangeDetail> EditAsync(long id, ChangeProposal proposal, string actor, string role,
        int? expectedRevision = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await LoadAsync(db, id, ct);
        if (!ChangeLifecycle.MayEdit(change.RequestedBy, actor, role))
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
        if (!ApprovalPolicy.IsAuthor(change, actor)) change.EditedBy = [.. change.EditedBy, actor];
        change.UpdatedAt = time.GetUtcNow();
        await risk.AssessAsync(db, change, ct);
        var overridden = GuardRisk(change, proposal, actor, role);

        await write.RunAsync(db, actor, async audit =>
        {
            await audit.RecordAsync(AuditActions.ChangeEdited, Target(change),
                $"revision {change.Revision}: {What(change)} via {Path(change)}; {voided} approvals voided{AsksToRunThrough(change)}");
            if (overridden) await AuditOverrideAsync(audit, change);
        }, ct, Racing);
        await notifier.PublishChangeAsync(id, ct);
        return (await GetAsync(id, ct))!;
    }

    /// <summary>The plan, risk and approvals a proposal would get, without saving anything: shown before submitting.</summary>
    public async Task<ChangeDetail> PreviewAsync(ChangeProposal proposal, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = new Change { Title = "", PipelineName = "", RequestedBy = actor, CreatedAt = time.GetUtcNow() };
        await DescribeAsync(db, change, proposal, ct);
        await risk.AssessAsync(db, change, ct);
        return ChangeDetails.Build(change, [], [], await DiffsAsync(db, change, ct), await FreezeAsync(change, [], ct));
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

    /// <summary>Approve or reject. The last approval freezes the plan and starts the rollout.</summary>
    public async Task<ChangeDetail> ReviewAsync(long id, ReviewRequest request, string actor, string role, CancellationToken ct = default)
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

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await LoadAsync(db, id, ct);
        if (!Roles.Satisfies(role, ApprovalPolicy.ApproverRole))
            throw new ForbiddenException($"Reviewing changes needs the {ApprovalPolicy.ApproverRole} role.");
        if (ApprovalPolicy.Refusal(change, actor, role, decision) is { } refusal) throw new ConflictException(refusal);

        var now = time.GetUtcNow();
        var started = false;
        await write.RunAsync(db, actor, async audit =>
        {
            change.Approvals.Add(new Approval { Approver = actor, ApproverRole = role, Decision = decision, Comment = comment, Revision = change.Revision, At = now });
            change.UpdatedAt = now;
            if (decision == ApprovalDecision.Reject)
            {
                change.Status = ChangeLifecycle.After(change.Status, ChangeAction.Reject);
                change.StatusReason = $"Rejected by {actor}: {comment}";
                change.FinishedAt = now;
                await audit.RecordAsync(AuditActions.ChangeRejected, Target(change), comment);
            }
            else
            {
                await audit.RecordAsync(AuditActions.ChangeApprovalGiven, Target(change),
                    $"approval {ApprovalPolicy.Count(change)} of {change.RequiredApprovals} for revision {change.Revision}" + (comment.Length > 0 ? $": {comment}" : ""));
                started = await StartIfApprovedAsync(db, audit, change, now, ct);
            }
        }, ct, Racing);
        if (started) rollouts.Start(change.Id);
        await notifier.PublishChangeAsync(change.Id, ct);
        return (await GetAsync(id, ct))!;
    }

    /// <summary>
    /// An Admin grants the change's request to run through freeze windows, with a reason; audited. Like the last approval,
    /// the grant starts the rollout when the reviews are already in.
    /// </summary>
    public async Task<ChangeDetail> GrantFreezeExceptionAsync(long id, string? reason, string actor, string role, CancellationToken ct = default)
    {
        var why = (reason ?? "").Trim();
        if (why.Length == 0) throw new ValidationFailedException(["Say why the change may run through the freeze; the reason is audited."]);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await LoadAsync(db, id, ct);
        if (!Roles.Satisfies(role, Roles.Admin)) throw new ForbiddenException("Only an Admin may grant a freeze exception.");
        if (ApprovalPolicy.ExceptionRefusal(change, actor, role) is { } refusal) throw new ConflictException(refusal);

        var now = time.GetUtcNow();
        var started = false;
        await write.RunAsync(db, actor, async audit =>
        {
            change.Approvals.Add(new Approval
            {
                Kind = ApprovalKind.FreezeException, Approver = actor, ApproverRole = role, Decision = ApprovalDecision.Approve,
                Comment = why, Revision = change.Revision, At = now,
            });
            change.UpdatedAt = now;
            await audit.RecordAsync(AuditActions.ChangeFreezeExceptionGranted, Target(change), $"revision {change.Revision} may run through {Windows(change)}: {why}");
            started = await StartIfApprovedAsync(db, audit, change, now, ct);
        }, ct, Racing);
        if (started) rollouts.Start(change.Id);
        await notifier.PublishChangeAsync(change.Id, ct);
        return (await GetAsync(id, ct))!;
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

    public Task<ChangeDetail> PauseAsync(long id, string actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Pause, actor, reason, ct);

    public Task<ChangeDetail> ResumeAsync(long id, string actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Resume, actor, reason, ct);

    public Task<ChangeDetail> AbortAsync(long id, string actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Abort, actor, reason, ct);

    public Task<ChangeDetail> RollbackAsync(long id, string actor, string? reason, CancellationToken ct = default) =>
        ActAsync(id, ChangeAction.Rollback, actor, reason, ct);

    /// <summary>
    /// Rolls the change back along its waves in reverse, paced; or, with <see cref="RollbackRequest.AllAtOnce"/>, as one
    /// emergency wave, which needs a reason. Clusters a newer change moved since are left alone and named.
    /// </summary>
    public Task<ChangeDetail> RollbackAsync(long id, RollbackRequest request, string actor, CancellationToken ct = default)
    {
        if (request.AllAtOnce == true && string.IsNullOrWhiteSpace(request.Reason))
            throw new ValidationFailedException(["Say why the rollback must hit every cluster at once; the reason is audited."]);
        return ActAsync(id, ChangeAction.Rollback, actor, request.Reason, ct, allAtOnce: request.AllAtOnce == true);
    }

    /// <summary>What rolling the change back now would do, without doing it: the dialog and <c>GET …/rollback-plan</c> show it.</summary>
    public async Task<RollbackPreview> RollbackPreviewAsync(long id, bool allAtOnce, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException($"No change #{id}.");
        var refusal = ChangeLifecycle.Refusal(change.Status, ChangeAction.Rollback, change.RollingBack) ?? await RolledBackBeforeAsync(db, change, ct);
        var plan = await PlanRollbackAsync(db, change, allAtOnce, ct);
        var clusters = plan.Clusters;
        return new RollbackPreview(change.Id, What(change), plan.AllAtOnce, clusters.Count,
            clusters.Where(c => !c.RemovesObjects).GroupBy(c => c.RestoresVersion!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new RollbackRestoreView(g.Key, Names(g))).ToList(),
            Names(clusters.Where(c => c.RemovesObjects)),
            Names(clusters.Where(c => c.Tier == 0)),
            plan.Skipped.Select(c => new RollbackSkipView(c.Name, c.MovedBy!)).ToList(),
            plan.Waves.Select(w => new RollbackWaveView(w.Name, w.MaxConcurrency, w.SoakSeconds, w.ProgressDeadlineSeconds, w.Clusters.Select(c => c.Name).ToList())).ToList(),
            refusal);
    }

    private static List<string> Names(IEnumerable<TouchedCluster> clusters) => clusters.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();

    private async Task<ChangeDetail> ActAsync(long id, ChangeAction action, string actor, string? reason, CancellationToken ct, bool allAtOnce = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await LoadAsync(db, id, ct);
        if (ChangeLifecycle.Refusal(change.Status, action, change.RollingBack) is { } refusal) throw new ConflictException(refusal);
        if (action == ChangeAction.Rollback && await RolledBackBeforeAsync(db, change, ct) is { } again) throw new ConflictException(again);
        var now = time.GetUtcNow();
        var why = string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}";
        var run = false;

        await write.RunAsync(db, actor, async audit =>
        {
            switch (action)
            {
                case ChangeAction.Pause:
                    change.Status = ChangeStatus.Paused;
                    change.StatusReason = change.RollingBack ? $"Rollback paused by {actor}{why}; resuming carries the rollback on" : $"Paused by {actor}{why}";
                    await audit.RecordAsync(AuditActions.ChangePaused, Target(change), (change.RollingBack ? "mid-rollback; " : "") + (reason ?? ""));
                    break;
                case ChangeAction.Resume:
                    // Retry what failed in the wave that stopped; the rest carries on where it was. A paused rollback resumes as a rollback.
                    var phase = change.RollingBack ? RolloutPhase.Rollback : RolloutPhase.Forward;
                    var wave = await db.RolloutWaves.Where(w => w.ChangeId == id && w.Phase == phase && w.Status != WaveStatus.Succeeded)
                        .OrderBy(w => w.Index).Select(w => (int?)w.Index).FirstOrDefaultAsync(ct);
                    var retried = await db.RolloutSteps
                        .Where(s => s.ChangeId == id && s.Phase == phase && s.Wave == wave && s.Status == StepStatus.Failed)
                        .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Pending).SetProperty(s => s.Error, (string?)null), ct);
                    change.Status = ChangeStatus.Running;
                    change.StatusReason = change.RollingBack ? $"Rolling back, resumed by {actor}{why}" : null;
                    await audit.RecordAsync(AuditActions.ChangeResumed, Target(change), $"{(change.RollingBack ? "rollback; " : "")}{retried} failed clusters retried{why}");
                    run = true;
                    break;
                case ChangeAction.Abort:
                    change.Status = ChangeStatus.Aborted;
                    change.StatusReason = $"Aborted by {actor}{why}";
                    if (change.RollingBack)
                    {
                        var notReached = await db.RolloutSteps.Where(s => s.ChangeId == id && s.Phase == RolloutPhase.Rollback && s.Status == StepStatus.Pending)
                            .OrderBy(s => s.Wave).ThenBy(s => s.Position).Select(s => s.ClusterName).ToListAsync(ct);
                        change.StatusReason = $"Aborted mid-rollback by {actor}{why}. " + (notReached.Count == 0 ? "The rollback had reached every cluster."
                            : $"{notReached.Count} cluster(s) the rollback had not reached keep {What(change)}: {string.Join(", ", notReached)}.");
                        change.RollingBack = false;
                    }
                    change.FinishedAt = now;
                    await db.RolloutSteps.Where(s => s.ChangeId == id && s.Status == StepStatus.Pending)
                        .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Skipped), ct);
                    await db.RolloutWaves.Where(w => w.ChangeId == id && w.Status == WaveStatus.Pending)
                        .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Skipped), ct);
                    await audit.RecordAsync(AuditActions.ChangeAborted, Target(change), reason ?? "");
                    break;
                case ChangeAction.Rollback:
                    var rollback = await StartRollbackAsync(db, change, allAtOnce, ct);
                    change.Status = ChangeStatus.Running;
                    change.RollingBack = true;
                    change.StatusReason = $"Rolling back{(allAtOnce ? " all at once (emergency)" : "")}, asked by {actor}{why}";
                    change.FinishedAt = null;
                    await audit.RecordAsync(AuditActions.ChangeRollbackStarted, Target(change), DescribeRollback(rollback) + why);
                    run = true;
                    break;
            }
            // Whatever the rollout waited on, the runner looks again when (and if) it runs on.
            change.WaitingFor = null;
            change.ParkedUntil = null;
            change.UpdatedAt = now;
        }, ct, Racing);
        if (run) rollouts.Start(id);
        await notifier.PublishChangeAsync(id, ct);
        return (await GetAsync(id, ct))!;
    }

    public async Task<IReadOnlyList<ChangeSummary>> ListAsync(ChangeStatus? status = null, int limit = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Changes.AsNoTracking().Include(c => c.Approvals).AsQueryable();
        if (status is { } s) query = query.Where(c => c.Status == s);
        var changes = await query.OrderByDescending(c => c.UpdatedAt).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        var ids = changes.Select(c => c.Id).ToList();
        // Once a change is rolled back, its bar counts the rollback: a rolled-back change must not look like a finished rollout.
        var progress = (await db.RolloutSteps.Where(r => ids.Contains(r.ChangeId))
            .GroupBy(r => new { r.ChangeId, r.Phase })
            .Select(g => new { g.Key.ChangeId, g.Key.Phase, Done = g.Count(r => r.Status == StepStatus.Succeeded), Total = g.Count() })
            .ToListAsync(ct))
            .GroupBy(p => p.ChangeId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Phase).First());
        return changes.Select(c =>
        {
            var p = progress.GetValueOrDefault(c.Id);
            return new ChangeSummary(
                c.Id, c.Title, ChangeViewText.Of(c.Status), ChangeViewText.Of(c.RiskLevel), c.RequestedBy, What(c), c.PipelineName,
                ApprovalPolicy.Count(c), c.RequiredApprovals,
                p?.Done ?? 0, p?.Total ?? c.Plan.Waves.Sum(w => w.Clusters.Count),
                c.CreatedAt, c.UpdatedAt, c.StatusReason) {
                SchedulerPolicy = c.SchedulerPolicyName, ProgressOfRollback = p?.Phase == RolloutPhase.Rollback, Authors = [c.RequestedBy, .. c.EditedBy],
            };
        }).ToList();
    }

    /// <summary>Changes awaiting a review that <paramref name="user"/> may give (the approval inbox).</summary>
    public async Task<IReadOnlyList<ChangeSummary>> InboxAsync(string user, CancellationToken ct = default) =>
        (await ListAsync(ChangeStatus.PendingApproval, 500, ct))
        .Where(c => !c.Authors.Contains(user, StringComparer.OrdinalIgnoreCase))
        .ToList();

    public async Task<int> InboxCountAsync(string user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lower = user.ToLowerInvariant();
        return await db.Changes.CountAsync(c => c.Status == ChangeStatus.PendingApproval && c.RequestedBy.ToLower() != lower
            && !c.EditedBy.Any(editor => editor.ToLower() == lower)
            && !c.Approvals.Any(a => a.Revision == c.Revision && a.Kind == ApprovalKind.Review && a.Approver.ToLower() == lower), ct);
    }

    /// <summary>
    /// Why <paramref name="user"/> may not approve the change now, and why they may not grant its freeze exception (null:
    /// they may): the change page asks before offering the buttons.
    /// </summary>
    public async Task<ChangeRefusals> RefusalsAsync(long id, string user, string role, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct);
        return change is null
            ? new ChangeRefusals($"No change #{id}.", $"No change #{id}.")
            : new ChangeRefusals(ApprovalPolicy.Refusal(change, user, role, ApprovalDecision.Approve), ApprovalPolicy.ExceptionRefusal(change, user, role));
    }

    public async Task<ChangeDetail?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var change = await db.Changes.AsNoTracking().Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct);
        if (change is null) return null;
        var waves = await db.RolloutWaves.AsNoTracking().Where(w => w.ChangeId == id).ToListAsync(ct);
        var steps = await db.RolloutSteps.AsNoTracking().Where(s => s.ChangeId == id).ToListAsync(ct);
        // Until approval pins them, show what each cluster runs now: another change may have reached it since the proposal.
        if (change.Status == ChangeStatus.PendingApproval) await PinPreviousVersionsAsync(db, change, ct);
        var gates = await db.GateCalls.AsNoTracking().Where(c => c.ChangeId == id).OrderBy(c => c.Id).ToListAsync(ct);
        // The plan is frozen at the last approval: a cluster registered since is never swept in, and the page says so.
        var registeredSince = change.PlanFrozenAt is { } frozen
            ? await db.Clusters.AsNoTracking().Where(c => c.CreatedAt > frozen).OrderBy(c => c.Name).Select(c => c.Name).Take(50).ToListAsync(ct)
            : [];
        return ChangeDetails.Build(change, waves, steps, await DiffsAsync(db, change, ct), await FreezeAsync(change, waves, ct)) with
        {
            Gates = gates.Select(GateCallView.Of).ToList(),
            RegisteredSinceFrozen = registeredSince,
            WaitsForChanges = change.PlanFrozenAt is null ? await WaitsForChangesAsync(db, change, ct) : [],
        };
    }

    /// <summary>Before approval: the running or paused changes of the same component that still have work on clusters this one plans.</summary>
    private static async Task<IReadOnlyList<string>> WaitsForChangesAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        if (change.ComponentId is not { } componentId || ChangeLifecycle.IsEnded(change.Status)) return [];
        var planned = change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.Name).ToList();
        var open = await db.Changes.AsNoTracking()
            .Where(c => c.ComponentId == componentId && c.Id != change.Id && (c.Status == ChangeStatus.Running || c.Status == ChangeStatus.Paused))
            .Select(c => new { c.Id, c.ComponentName, c.Version, c.PlanFrozenAt }).ToListAsync(ct);
        if (open.Count == 0) return [];
        var ids = open.Select(o => o.Id).ToList();
        var unfinished = await db.RolloutSteps.AsNoTracking()
            .Where(s => ids.Contains(s.ChangeId) && planned.Contains(s.ClusterName)
                && (s.Status == StepStatus.Pending || s.Status == StepStatus.Applying || s.Status == StepStatus.Converging))
            .Select(s => new { s.ChangeId, s.ClusterName }).ToListAsync(ct);
        return ComponentTurns.WaitsBeforeApproval(planned, open.Select(o => new ComponentChange(o.Id, $"{o.ComponentName} {o.Version}", o.PlanFrozenAt,
            unfinished.Where(u => u.ChangeId == o.Id).Select(u => u.ClusterName).ToList())));
    }

    /// <summary>
    /// What the change applies, against what the planned clusters run now: one diff per distinct current version (versions
    /// never change, so the pair decides the diff), never one per cluster.
    /// </summary>
    private static async Task<IReadOnlyList<PlanDiffView>> DiffsAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        var groups = CurrentVersionGroups.Of(change.Plan);
        if (groups.Count == 0) return [];
        if (change.VersionId is not { } targetId)
        {
            // Nothing records which ad-hoc manifests a cluster holds, so the portal cannot say what these replace.
            var allNew = ManifestDiff.Compare(null, change.Manifests);
            return [new PlanDiffView(CurrentVersionGroups.LabelOf(0), null, null, CurrentStateKnown: false,
                groups.SelectMany(g => g.Clusters).ToList(), allNew.ChangedObjects, allNew)];
        }
        var ids = groups.Select(g => g.VersionId).OfType<Guid>().Append(targetId).Distinct().ToList();
        var texts = await db.ComponentVersions.AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Manifests, ct);
        var target = texts.GetValueOrDefault(targetId);
        return groups.Select(g =>
        {
            var diff = ManifestDiff.Compare(g.VersionId is { } from ? texts.GetValueOrDefault(from) : null, target);
            return new PlanDiffView(g.Label, g.Version, change.Version, CurrentStateKnown: true, g.Clusters, diff.ChangedObjects, diff);
        }).ToList();
    }

    /// <summary>
    /// Whether a freeze holds the change's next wave now (the first wave before the rollout starts), and the earliest time it
    /// could start; null once the change has ended. Rolling back, only windows that block rollbacks count. The windows the
    /// change asks to run through do not count: it cannot start before an Admin grants that.
    /// </summary>
    private async Task<FreezeStatus?> FreezeAsync(Change change, IReadOnlyList<RolloutWave> waves, CancellationToken ct)
    {
        if (change.Status is not (ChangeStatus.PendingApproval or ChangeStatus.Approved or ChangeStatus.Running or ChangeStatus.Paused)) return null;
        if (change.RollingBack)
        {
            var touched = change.Plan.Waves.SelectMany(w => w.Clusters).Select(c => c.ClusterId).ToList();
            return FreezeStatus.Of(await freeze.EvaluateWaveAsync(touched, time.GetUtcNow(), FreezePurpose.Rollback, excused: change.RunThrough.WindowIds, ct: ct));
        }
        var done = waves.Where(w => w.Phase == RolloutPhase.Forward && w.Status is WaveStatus.Succeeded or WaveStatus.Skipped).Select(w => w.Index).ToHashSet();
        var next = change.Plan.Waves.Select((wave, index) => (wave, index)).FirstOrDefault(w => !done.Contains(w.index)).wave;
        if (next is null) return null;
        return FreezeStatus.Of(await freeze.EvaluateWaveAsync(next.Clusters.Select(c => c.ClusterId).ToList(), time.GetUtcNow(), FreezePurpose.Rollout,
            excused: change.RunThrough.WindowIds, ct: ct));
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

        if (change.SchedulerPolicyName is { } policyName)
        {
            if (change.PipelineName.Length > 0) errors.Add("Choose a pipeline or a scheduler policy, not both.");
            var policy = await db.SchedulerPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == policyName, ct);
            if (policy is null) errors.Add($"No scheduler policy named '{policyName}'.");
            if (errors.Count > 0) throw new ValidationFailedException(errors);
            await ScheduleAsync(db, change, policy!, ct);
        }
        else
        {
            var pipeline = change.PipelineName.Length == 0 ? null : await db.Pipelines.AsNoTracking().SingleOrDefaultAsync(p => p.Name == change.PipelineName, ct);
            if (change.PipelineName.Length == 0) errors.Add("Choose a pipeline or a scheduler policy.");
            else if (pipeline is null) errors.Add($"No pipeline named '{change.PipelineName}'.");
            if (errors.Count > 0) throw new ValidationFailedException(errors);
            await PlanAlongAsync(db, change, pipeline!, ct);
        }
        await PinPreviousVersionsAsync(db, change, ct);
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

    private static async Task PlanAlongAsync(PortalDbContext db, Change change, Pipeline pipeline, CancellationToken ct)
    {
        try
        {
            // Static waves first, then the pipeline's dynamic stage (if any) over the clusters they leave.
            change.Plan = await PipelineService.PlanAsync(db, pipeline, DateTimeOffset.UtcNow, ct);
        }
        catch (PipelineException e)
        {
            throw new ValidationFailedException(e.Problems.Select(p => $"Pipeline '{pipeline.Name}': {p}").ToList());
        }
        if (change.Plan.Waves.Sum(w => w.Clusters.Count) == 0)
            throw new ValidationFailedException([$"Pipeline '{pipeline.Name}' selects no registered cluster, so there is nothing to roll out."]);
        change.PipelineId = pipeline.Id;
    }

    /// <summary>The scheduler's plan for the fleet registered now; it is frozen with the rest at the last approval.</summary>
    private static async Task ScheduleAsync(PortalDbContext db, Change change, SchedulerPolicy policy, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        SchedulerPlan plan;
        try
        {
            plan = ClusterScheduler.Plan(SchedulerPolicyDocument.Of(policy), await SchedulerService.LoadFleetAsync(db, now, ct), now);
        }
        catch (SchedulerPolicyException e)
        {
            throw new ValidationFailedException(e.Problems.Select(p => $"Scheduler policy '{policy.Name}': {p}").ToList());
        }
        if (plan.PlannedCount == 0)
            throw new ValidationFailedException([$"Scheduler policy '{policy.Name}' schedules no registered cluster, so there is nothing to roll out" +
                (plan.Excluded.Count > 0 ? $" ({plan.Excluded[0].Name}: {plan.Excluded[0].Reason}{(plan.Excluded.Count > 1 ? $"; and {plan.Excluded.Count - 1} more left out" : "")})." : ".")]);
        change.Plan = plan.ToChangePlan();
        change.PipelineId = null;
    }

    /// <summary>
    /// Refuses a change with blocking findings unless an Admin overrides them with a reason, which is then recorded on the
    /// change; true when it was. A reason given when nothing blocks is not recorded.
    /// </summary>
    private bool GuardRisk(Change change, ChangeProposal proposal, string actor, string role)
    {
        if (!change.Risk.IsBlocked) return false;
        var reason = (proposal.OverrideReason ?? "").Trim();
        if (reason.Length == 0) throw new RiskBlockedException(ChangeDetails.Build(change, [], [], []));
        if (!Roles.Satisfies(role, Roles.Admin))
            throw new ForbiddenException("Only an Admin may override blocking risk findings.");
        change.Risk = new RiskReport
        {
            Findings = change.Risk.Findings, Reasons = change.Risk.Reasons,
            Override = new RiskOverride { By = actor, Reason = reason, At = time.GetUtcNow(), Revision = change.Revision },
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

    /// <summary>What each planned cluster runs now: the version a rollback restores.</summary>
    private static async Task PinPreviousVersionsAsync(PortalDbContext db, Change change, CancellationToken ct)
    {
        var releases = change.ComponentId is { } componentId
            ? await db.ClusterReleases.AsNoTracking().Where(r => r.ComponentId == componentId).ToDictionaryAsync(r => r.ClusterId, ct)
            : [];
        foreach (var cluster in change.Plan.Waves.SelectMany(w => w.Clusters))
        {
            releases.TryGetValue(cluster.ClusterId, out var release);
            cluster.PreviousVersionId = release?.VersionId;
            cluster.PreviousVersion = release?.Version;
        }
    }

    private async Task FreezeAndStartAsync(PortalDbContext db, Change change, DateTimeOffset now, CancellationToken ct)
    {
        await PinPreviousVersionsAsync(db, change, ct);
        // A fresh instance so EF sees the jsonb value changed.
        change.Plan = new ChangePlan { Waves = change.Plan.Waves, Unplanned = change.Plan.Unplanned };
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

    /// <summary>A change is rolled back once: its rollback rows are unique per cluster, and a second undo needs a new change.</summary>
    private static async Task<string?> RolledBackBeforeAsync(PortalDbContext db, Change change, CancellationToken ct) =>
        await db.RolloutWaves.AnyAsync(w => w.ChangeId == change.Id && w.Phase == RolloutPhase.Rollback, ct)
            ? "This change was rolled back once already; to move the fleet again, propose a new change."
            : null;

    /// <summary>
    /// What a rollback would do now: every cluster the rollout touched, the version it gets back (or that its objects go),
    /// its tier, and whether a newer change has moved it since; planned by <see cref="RollbackPlanner"/>.
    /// </summary>
    private static async Task<PlannedRollback> PlanRollbackAsync(PortalDbContext db, Change change, bool allAtOnce, CancellationToken ct)
    {
        var steps = await db.RolloutSteps.AsNoTracking()
            .Where(s => s.ChangeId == change.Id && s.Phase == RolloutPhase.Forward && s.StartedAt != null).ToListAsync(ct);
        var ids = steps.Select(s => s.ClusterId).ToList();
        var tiers = await db.Clusters.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Tier, ct);
        var releases = change.ComponentId is { } componentId
            ? await db.ClusterReleases.AsNoTracking().Where(r => r.ComponentId == componentId && ids.Contains(r.ClusterId)).ToDictionaryAsync(r => r.ClusterId, ct)
            : [];
        var planned = change.Plan.Waves.SelectMany(w => w.Clusters).DistinctBy(c => c.ClusterId).ToDictionary(c => c.ClusterId);
        var touched = steps.Select(s => new TouchedCluster(s.ClusterId, s.ClusterName, s.Wave, s.AppliedAt ?? s.StartedAt!.Value,
            tiers.GetValueOrDefault(s.ClusterId, ClusterRules.LeastCriticalTier), planned.GetValueOrDefault(s.ClusterId)?.PreviousVersion,
            RollbackPlanner.MovedSince(change.Id, s.StartedAt!.Value, releases.GetValueOrDefault(s.ClusterId)))).ToList();
        return RollbackPlanner.Plan(change.Plan.Waves, touched, allAtOnce);
    }

    /// <summary>Plans the rollback and writes its waves and steps; the pacing is frozen on the plan, where the runner reads it.</summary>
    private static async Task<PlannedRollback> StartRollbackAsync(PortalDbContext db, Change change, bool allAtOnce, CancellationToken ct)
    {
        // Clusters still waiting will never be touched now.
        await db.RolloutSteps.Where(s => s.ChangeId == change.Id && s.Phase == RolloutPhase.Forward && s.Status == StepStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, StepStatus.Skipped), ct);
        await db.RolloutWaves.Where(w => w.ChangeId == change.Id && w.Phase == RolloutPhase.Forward && w.Status == WaveStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(w => w.Status, WaveStatus.Skipped), ct);
        var rollback = await PlanRollbackAsync(db, change, allAtOnce, ct);
        for (var w = 0; w < rollback.Waves.Count; w++)
        {
            var wave = rollback.Waves[w];
            db.RolloutWaves.Add(new RolloutWave { ChangeId = change.Id, Phase = RolloutPhase.Rollback, Index = w, Name = wave.Name });
            for (var p = 0; p < wave.Clusters.Count; p++)
                db.RolloutSteps.Add(new RolloutStep
                {
                    ChangeId = change.Id, Phase = RolloutPhase.Rollback, Wave = w, Position = p,
                    ClusterId = wave.Clusters[p].ClusterId, ClusterName = wave.Clusters[p].Name,
                });
        }
        // A fresh instance so EF sees the jsonb value changed.
        change.Plan = new ChangePlan
        {
            Waves = change.Plan.Waves, Unplanned = change.Plan.Unplanned, RollbackAllAtOnce = rollback.AllAtOnce,
            Rollback = rollback.Waves.Select(w => new RollbackWaveSettings
            {
                Name = w.Name, MaxConcurrency = w.MaxConcurrency, MinSuccessSeconds = w.SoakSeconds, ProgressDeadlineSeconds = w.ProgressDeadlineSeconds,
            }).ToList(),
            RollbackSkipped = rollback.Skipped.Select(c => $"{c.Name}: {c.MovedBy}").ToList(),
        };
        return rollback;
    }

    /// <summary>The rollback in one audit line: how many clusters, in which waves, what each gets, tier 0, and what it leaves alone.</summary>
    private static string DescribeRollback(PlannedRollback rollback)
    {
        var clusters = rollback.Clusters;
        var parts = new List<string>
        {
            $"{clusters.Count} clusters" + (rollback.AllAtOnce ? " all at once (emergency)" : $" in {rollback.Waves.Count} waves, newest first")
                + (rollback.Waves.Count > 0 ? $": {string.Join(" → ", rollback.Waves.Select(w => $"{w.Name} ({w.Clusters.Count})"))}" : ""),
        };
        var restored = clusters.Where(c => !c.RemovesObjects).ToList();
        if (restored.Count > 0) parts.Add($"restored: {string.Join(", ", restored.Select(c => $"{c.Name} to {c.RestoresVersion}"))}");
        var removed = Names(clusters.Where(c => c.RemovesObjects));
        if (removed.Count > 0) parts.Add($"objects removed (nothing ran before): {string.Join(", ", removed)}");
        var tierZero = Names(clusters.Where(c => c.Tier == 0));
        if (tierZero.Count > 0) parts.Add($"tier 0: {string.Join(", ", tierZero)}");
        if (rollback.Skipped.Count > 0) parts.Add($"left alone: {string.Join("; ", rollback.Skipped.Select(c => $"{c.Name} ({c.MovedBy})"))}");
        return string.Join("; ", parts);
    }

    private static async Task<Change> LoadAsync(PortalDbContext db, long id, CancellationToken ct) =>
        await db.Changes.Include(c => c.Approvals).SingleOrDefaultAsync(c => c.Id == id, ct)
        ?? throw new NotFoundException($"No change #{id}.");

    /// <summary>Concurrent decisions on one change are settled by its concurrency token (and unique rows): the later one is refused.</summary>
    private static Exception? Racing(DbUpdateException e) =>
        e is DbUpdateConcurrencyException || AuditedWrite.IsUniqueViolation(e)
            ? new ConflictException("Someone else acted on this change at the same moment; reload it and try again.")
            : null;

    internal static string Target(Change change) => $"change/{change.Id}";

    /// <summary>Where the change goes: "pipeline standard" or "scheduler policy balanced".</summary>
    internal static string Path(Change change) =>
        change.SchedulerPolicyName is { } policy ? $"scheduler policy {policy}" : $"pipeline {change.PipelineName}";

    private static string Windows(Change change) => string.Join(", ", change.RunThrough.WindowNames.Select(n => $"freeze window '{n}'"));

    private static string AsksToRunThrough(Change change) =>
        change.RunThrough.IsRequested ? $"; asks to run through {Windows(change)}: {change.RunThrough.Reason}" : "";

    internal static string What(Change change) =>
        change.ComponentName is { } component ? $"{component} {change.Version}" : "ad-hoc manifests";
}
