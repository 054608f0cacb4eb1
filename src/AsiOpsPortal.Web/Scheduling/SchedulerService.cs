using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Scheduling;

/// <summary>
/// Scheduler policies: list, read, create, edit (optimistically), delete, YAML; and plans: what a policy gives against the
/// fleet registered now, explained, with the difference from the previous preview.
/// </summary>
public sealed class SchedulerService(IDbContextFactory<PortalDbContext> dbFactory, VersionedDocumentStore documents, TimeProvider time)
{
    private static readonly DocumentKind Kind = new("scheduler policy", "scheduler-policy");

    /// <summary>Names the pages' addresses already use: /scheduler/new is the editor for a new policy.</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal) { "new" };

    /// <summary>Failed rollout steps this recent count against a cluster.</summary>
    public static readonly TimeSpan FailureLookback = TimeSpan.FromDays(30);

    public async Task<IReadOnlyList<SchedulerPolicySummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policies = await db.SchedulerPolicies.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        return policies.Select(p => new SchedulerPolicySummary(p.Name, p.Description, SchedulerPolicyDiff.Summarize(SchedulerPolicyDocument.Of(p)),
            p.Weights.Count(w => w.Value > 0), p.UpdatedBy, p.UpdatedAt)).ToList();
    }

    public async Task<SchedulerPolicyView?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policy = await db.SchedulerPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == name, ct);
        return policy is null ? null : ToView(policy);
    }

    public async Task<SchedulerPolicyView> CreateAsync(SchedulerPolicyDocument document, Actor actor, CancellationToken ct = default)
    {
        document = SchedulerYaml.Normalize(document);
        Validate(document);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await documents.ExistsAsync<SchedulerPolicy>(db, document.Name, ct)) throw Kind.Exists(document.Name);
        var policy = new SchedulerPolicy { Name = document.Name };
        Apply(policy, document);
        await documents.AddAsync(db, Kind, policy, actor, AuditActions.SchedulerPolicyCreated, SchedulerPolicyDiff.Summarize(document), ct);
        return ToView(policy);
    }

    /// <summary>
    /// Replaces a policy's settings. With <paramref name="expectedVersion"/> (the version the editor loaded), refuses to save
    /// over anyone else's save in between. An edit that changes nothing writes nothing.
    /// </summary>
    public async Task<SchedulerPolicyView> UpdateAsync(string name, SchedulerPolicyDocument document, uint? expectedVersion, Actor actor, CancellationToken ct = default)
    {
        document = SchedulerYaml.Normalize(document);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policy = await documents.LoadAsync<SchedulerPolicy>(db, Kind, name, ct);
        if (document.Name != policy.Name)
            throw new ValidationFailedException([$"The document names policy '{document.Name}', but this is '{policy.Name}'; policies cannot be renamed."]);
        VersionedDocumentStore.CheckVersion(Kind, policy, expectedVersion);
        Validate(document);

        var changes = SchedulerPolicyDiff.Describe(SchedulerPolicyDocument.Of(policy), document);
        if (changes == SchedulerPolicyDiff.Unchanged) return ToView(policy);
        Apply(policy, document);
        await documents.SaveEditAsync(db, Kind, policy, actor, AuditActions.SchedulerPolicyUpdated, changes, ct);
        return ToView(policy);
    }

    public async Task DeleteAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policy = await documents.LoadAsync<SchedulerPolicy>(db, Kind, name, ct);
        // A pipeline ending with this policy could no longer be planned; people should choose its replacement first.
        var stages = await db.Pipelines.AsNoTracking().Where(p => p.Then != null).Select(p => new { p.Name, p.Then }).ToListAsync(ct);
        var users = stages.Where(p => p.Then!.SchedulerPolicy == name).Select(p => $"'{p.Name}'").ToList();
        if (users.Count > 0)
            throw new ConflictException($"Scheduler policy '{name}' plans the rest of pipeline {string.Join(", ", users)} after its waves; "
                + "choose another policy (or none) there first.");
        await documents.RemoveAsync(db, Kind, policy, actor, AuditActions.SchedulerPolicyDeleted, SchedulerPolicyDiff.Summarize(SchedulerPolicyDocument.Of(policy)), ct);
    }

    /// <summary>Reads YAML or JSON; every problem, with its line, becomes a validation failure a person can fix.</summary>
    public static SchedulerPolicyDocument Import(string yamlOrJson)
    {
        try { return SchedulerYaml.Import(yamlOrJson); }
        catch (SchedulerPolicyException e) { throw new ValidationFailedException(e.Problems); }
    }

    /// <summary>Every problem with <paramref name="document"/>, reserved names included; empty when it can be saved.</summary>
    public static IReadOnlyList<string> Problems(SchedulerPolicyDocument document)
    {
        var problems = SchedulerRules.Validate(SchedulerYaml.Normalize(document)).ToList();
        if (ReservedNames.Contains(document.Name)) problems.Insert(0, $"'{document.Name}' is reserved: it is the address of the new-policy page.");
        return problems;
    }

    /// <summary>
    /// The plan the saved policy <paramref name="name"/> gives against the fleet registered now. This is what a change
    /// targeting the policy plans with (<see cref="SchedulerPlan.ToChangePlan"/>); it records nothing.
    /// </summary>
    public async Task<SchedulerPlan> PlanAsync(string name, CancellationToken ct = default)
    {
        var policy = await GetAsync(name, ct) ?? throw Kind.NotFound(name);
        return Plan(policy.Document, await FleetAsync(ct));
    }

    /// <summary>
    /// Previews the saved policy <paramref name="name"/>: its plan against the fleet now, compared with its previous preview,
    /// which this one then replaces.
    /// </summary>
    public async Task<SchedulerPreviewView> PreviewAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policy = await db.SchedulerPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == name, ct) ?? throw Kind.NotFound(name);
        var plan = Plan(SchedulerPolicyDocument.Of(policy), await LoadFleetAsync(db, time.GetUtcNow(), ct));
        var previous = await db.SchedulerPreviews.SingleOrDefaultAsync(p => p.PolicyId == policy.Id, ct);
        var view = ToPreview(SchedulerPolicyDocument.Of(policy), plan, previous);

        if (previous is null) db.SchedulerPreviews.Add(previous = new SchedulerPreview { PolicyId = policy.Id });
        previous.Plan = plan.ToChangePlan();
        previous.PreviewedAt = view.At;
        previous.PreviewedBy = actor.Name;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two previews of one policy at once: either record serves as "previous"; this answer stands.
        }
        return view;
    }

    /// <summary>
    /// Previews a policy as written (saved or not), compared with the last preview of the saved policy of the same name if
    /// there is one; records nothing, so trying edits never moves the baseline.
    /// </summary>
    public async Task<SchedulerPreviewView> PreviewAsync(SchedulerPolicyDocument document, CancellationToken ct = default)
    {
        document = SchedulerYaml.Normalize(document);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var plan = Plan(document, await LoadFleetAsync(db, time.GetUtcNow(), ct));
        var previous = await db.SchedulerPolicies.AsNoTracking().Where(p => p.Name == document.Name)
            .Join(db.SchedulerPreviews.AsNoTracking(), p => p.Id, r => r.PolicyId, (_, r) => r).SingleOrDefaultAsync(ct);
        return ToPreview(document, plan, previous);
    }

    /// <summary>What the scheduler knows of every registered cluster: metadata, health, and its recent change history.</summary>
    public async Task<IReadOnlyList<SchedulingFacts>> FleetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LoadFleetAsync(db, time.GetUtcNow(), ct);
    }

    internal static async Task<IReadOnlyList<SchedulingFacts>> LoadFleetAsync(PortalDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var clusters = await db.Clusters.AsNoTracking().OrderBy(c => c.Name)
            .Select(c => new { c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels, c.NodesTotal, c.NodesReady, c.Status, c.LastSyncAt })
            .ToListAsync(ct);
        var since = now - FailureLookback;
        var failures = await db.RolloutSteps.AsNoTracking()
            .Where(s => s.Phase == RolloutPhase.Forward && s.Status == StepStatus.Failed && s.FinishedAt >= since)
            .GroupBy(s => s.ClusterId).Select(g => new { ClusterId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.ClusterId, g => g.Count, ct);
        var successes = await db.ClusterReleases.AsNoTracking()
            .GroupBy(r => r.ClusterId).Select(g => new { ClusterId = g.Key, At = g.Max(r => r.AppliedAt) })
            .ToDictionaryAsync(g => g.ClusterId, g => g.At, ct);
        return clusters.Select(c => new SchedulingFacts(
            new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels),
            c.NodesTotal, c.NodesReady, c.Status, c.LastSyncAt,
            failures.GetValueOrDefault(c.Id),
            successes.TryGetValue(c.Id, out var at) ? at : null)).ToList();
    }

    private SchedulerPlan Plan(SchedulerPolicyDocument document, IReadOnlyList<SchedulingFacts> fleet)
    {
        try { return ClusterScheduler.Plan(document, fleet, time.GetUtcNow()); }
        catch (SchedulerPolicyException e) { throw new ValidationFailedException(e.Problems); }
    }

    private SchedulerPreviewView ToPreview(SchedulerPolicyDocument policy, SchedulerPlan plan, SchedulerPreview? previous) =>
        new(policy.Name, time.GetUtcNow(), policy.Weights, plan.Waves, plan.Excluded,
            previous is null ? null : PlanDiff.Between(previous.Plan, plan.ToChangePlan()), previous?.PreviewedAt);

    private static void Validate(SchedulerPolicyDocument document)
    {
        var problems = Problems(document);
        if (problems.Count > 0) throw new ValidationFailedException(problems);
    }

    private static void Apply(SchedulerPolicy policy, SchedulerPolicyDocument document)
    {
        var copy = document.DeepCopy();
        policy.Description = copy.Description;
        policy.Filters = copy.Filters;
        policy.Weights = copy.Weights;
        policy.Shaping = copy.Shaping;
    }

    private static SchedulerPolicyView ToView(SchedulerPolicy p) => new(SchedulerPolicyDocument.Of(p), p.UpdatedBy, p.UpdatedAt, p.ConcurrencyToken);
}
