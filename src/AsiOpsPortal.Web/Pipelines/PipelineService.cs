using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Pipelines;

/// <summary>Static pipelines: list, read, create, edit (optimistically: a stale editor cannot save over newer work), delete, YAML, and plans.</summary>
public sealed class PipelineService(IDbContextFactory<PortalDbContext> dbFactory, VersionedDocumentStore documents, TimeProvider time)
{
    private static readonly DocumentKind Kind = new("pipeline", "pipeline");

    /// <summary>Names the pages' addresses already use: /pipelines/new is the editor for a new pipeline.</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal) { "new" };

    public async Task<IReadOnlyList<PipelineSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pipelines = await db.Pipelines.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        return pipelines.Select(p => new PipelineSummary(p.Name, p.Description, p.Scope, p.Waves.Select(w => w.Name).ToList(),
            p.Waves.Sum(w => w.Clusters.Count), p.UpdatedBy, p.UpdatedAt, p.Then?.SchedulerPolicy)).ToList();
    }

    public async Task<PipelineView?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pipeline = await db.Pipelines.AsNoTracking().SingleOrDefaultAsync(p => p.Name == name, ct);
        return pipeline is null ? null : ToView(pipeline);
    }

    /// <summary>What planning knows of every registered cluster, for validation, previews and the editor's fleet pool.</summary>
    public async Task<IReadOnlyList<ClusterFacts>> FleetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LoadFleetAsync(db, ct);
    }

    /// <summary>The scheduler policies a pipeline's dynamic stage may name, by name.</summary>
    public async Task<IReadOnlyList<string>> SchedulerPoliciesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LoadPolicyNamesAsync(db, ct);
    }

    public async Task<PipelineView> CreateAsync(PipelineDocument document, Actor actor, CancellationToken ct = default)
    {
        document = Normalize(document);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await ValidateAsync(db, document, ct);
        if (await documents.ExistsAsync<Pipeline>(db, document.Name, ct)) throw Kind.Exists(document.Name);

        var pipeline = new Pipeline { Name = document.Name, Description = document.Description, Scope = document.Scope, Waves = document.Waves, Then = document.Then };
        await documents.AddAsync(db, Kind, pipeline, actor, AuditActions.PipelineCreated, PipelineDiff.Summarize(document), ct);
        return ToView(pipeline);
    }

    /// <summary>
    /// Replaces a pipeline's description, scope and waves. With <paramref name="expectedVersion"/> (the version the editor
    /// loaded), refuses to save over anyone else's save in between. An edit that changes nothing writes nothing.
    /// </summary>
    public async Task<PipelineView> UpdateAsync(string name, PipelineDocument document, uint? expectedVersion, Actor actor, CancellationToken ct = default)
    {
        document = Normalize(document);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pipeline = await documents.LoadAsync<Pipeline>(db, Kind, name, ct);
        if (document.Name != pipeline.Name)
            throw new ValidationFailedException([$"The document names pipeline '{document.Name}', but this is '{pipeline.Name}'; pipelines cannot be renamed."]);
        VersionedDocumentStore.CheckVersion(Kind, pipeline, expectedVersion);
        await ValidateAsync(db, document, ct);

        var changes = PipelineDiff.Describe(PipelineDocument.Of(pipeline), document);
        if (changes == PipelineDiff.Unchanged) return ToView(pipeline);

        pipeline.Description = document.Description;
        pipeline.Scope = document.Scope;
        pipeline.Waves = document.Waves;
        pipeline.Then = document.Then;
        await documents.SaveEditAsync(db, Kind, pipeline, actor, AuditActions.PipelineUpdated, changes, ct);
        return ToView(pipeline);
    }

    public async Task DeleteAsync(string name, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pipeline = await documents.LoadAsync<Pipeline>(db, Kind, name, ct);
        await documents.RemoveAsync(db, Kind, pipeline, actor, AuditActions.PipelineDeleted, PipelineDiff.Summarize(PipelineDocument.Of(pipeline)), ct);
    }

    /// <summary>The saved pipeline as YAML, ready to edit and send back.</summary>
    public async Task<string> ExportAsync(string name, CancellationToken ct = default) =>
        PipelineYaml.Export((await GetAsync(name, ct) ?? throw Kind.NotFound(name)).Document);

    /// <summary>Reads YAML or JSON; every problem, with its line, becomes a validation failure a person can fix.</summary>
    public static PipelineDocument Import(string yamlOrJson)
    {
        try { return PipelineYaml.Import(yamlOrJson); }
        catch (PipelineException e) { throw new ValidationFailedException(e.Problems); }
    }

    /// <summary>The plan the saved pipeline resolves to against the clusters registered now.</summary>
    public async Task<PlanView> PlanAsync(string name, CancellationToken ct = default)
    {
        var pipeline = await GetAsync(name, ct) ?? throw Kind.NotFound(name);
        return await PreviewAsync(pipeline.Document, ct);
    }

    /// <summary>The plan a pipeline, saved or not, would resolve to against the clusters registered now.</summary>
    public async Task<PlanView> PreviewAsync(PipelineDocument document, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pipeline = new Pipeline { Name = document.Name, Description = document.Description, Scope = document.Scope, Waves = document.Waves, Then = document.Then };
        try
        {
            var plan = await PlanAsync(db, pipeline, time.GetUtcNow(), ct);
            return new PlanView(
                plan.Waves.Select(w => new PlannedWaveView(w.Name, w.Clusters.Select(c => c.Name).ToList(), w.MaxConcurrency, w.MinSuccessSeconds,
                    w.ProgressDeadlineSeconds, w.MaxFailures, w.Canary)).ToList(),
                plan.Unplanned);
        }
        catch (PipelineException e)
        {
            throw new ValidationFailedException(e.Problems);
        }
    }

    /// <summary>
    /// The plan of <paramref name="pipeline"/> against the fleet registered now: its static waves, then its dynamic stage's
    /// policy waves for the rest. Throws <see cref="PipelineException"/>, also for a stage whose policy is missing or invalid.
    /// </summary>
    internal static async Task<ChangePlan> PlanAsync(PortalDbContext db, Pipeline pipeline, DateTimeOffset now, CancellationToken ct)
    {
        // Health and change history cost queries that only a policy reads.
        if (pipeline.Then is not { } stage) return PipelineRules.Plan(pipeline, await LoadFleetAsync(db, ct));
        var policy = await db.SchedulerPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Name == stage.SchedulerPolicy, ct);
        try
        {
            return DynamicStageRules.Plan(pipeline, policy is null ? null : SchedulerPolicyDocument.Of(policy), await SchedulerService.LoadFleetAsync(db, now, ct), now);
        }
        catch (SchedulerPolicyException e)
        {
            throw new PipelineException(e.Problems.Select(p => $"Scheduler policy '{policy!.Name}': {p}").ToList());
        }
    }

    /// <summary>
    /// Every problem with <paramref name="document"/> against the fleet and the scheduler <paramref name="policies"/> registered
    /// now, reserved names included.
    /// </summary>
    public static IReadOnlyList<string> Problems(PipelineDocument document, IReadOnlyList<ClusterFacts> fleet, IReadOnlyCollection<string> policies)
    {
        var problems = PipelineRules.Validate(document.Name, document.Waves, document.Scope, fleet).ToList();
        problems.AddRange(DynamicStageRules.Validate(document.Then, policies));
        if (ReservedNames.Contains(document.Name)) problems.Insert(0, $"'{document.Name}' is reserved: it is the address of the new-pipeline page.");
        return problems;
    }

    internal static async Task<IReadOnlyList<ClusterFacts>> LoadFleetAsync(PortalDbContext db, CancellationToken ct)
    {
        var rows = await db.Clusters.AsNoTracking().OrderBy(c => c.Name)
            .Select(c => new { c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels })
            .ToListAsync(ct);
        return rows.Select(c => new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels)).ToList();
    }

    private static async Task<IReadOnlyList<string>> LoadPolicyNamesAsync(PortalDbContext db, CancellationToken ct) =>
        await db.SchedulerPolicies.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(ct);

    /// <summary>Trims what people type around names and treats a blank selector as none, so equal intent saves as equal text.</summary>
    internal static PipelineDocument Normalize(PipelineDocument document) => new(
        (document.Name ?? "").Trim(),
        (document.Description ?? "").Trim(),
        Blank(document.Scope),
        (document.Waves ?? []).Select(w =>
        {
            var wave = PipelineDocument.Copy(w);
            wave.Name = (wave.Name ?? "").Trim();
            wave.Clusters = (wave.Clusters ?? []).Select(c => (c ?? "").Trim()).ToList();
            wave.Selector = Blank(wave.Selector);
            wave.MaxFailures = (wave.MaxFailures ?? "").Trim() is { Length: > 0 } maxFailures ? maxFailures : "0";
            return wave;
        }).ToList(),
        document.Then is { } stage ? new DynamicStage { SchedulerPolicy = (stage.SchedulerPolicy ?? "").Trim(), NamePrefix = Blank(stage.NamePrefix) } : null);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static async Task ValidateAsync(PortalDbContext db, PipelineDocument document, CancellationToken ct)
    {
        var problems = Problems(document, await LoadFleetAsync(db, ct), await LoadPolicyNamesAsync(db, ct));
        if (problems.Count > 0) throw new ValidationFailedException(problems);
    }

    private static PipelineView ToView(Pipeline p) => new(PipelineDocument.Of(p), p.UpdatedBy, p.UpdatedAt, p.ConcurrencyToken);
}
