using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Pipelines;
using AsiOpsPortal.Web.Scheduling;

namespace AsiOpsPortal.Web.Demo;

/// <summary>
/// Demo mode, over whatever demo clusters are registered: a pipeline "standard" — test clusters as canaries, staging by
/// selector, one tier-1 prod cluster alone, the rest of tiers 1-3 by selector, and the tier-0 clusters last, by hand — and a
/// pipeline "standard-then-balanced": the same fixed canaries, then the rest of the fleet by the demo scheduler policy.
/// Runs once; an existing pipeline is left as people edited it.
/// </summary>
public sealed class PipelineDemoSeeder(PipelineService pipelines, ILogger<PipelineDemoSeeder> log)
{
    public const string Name = "standard";
    public const string StandardThenBalancedName = "standard-then-balanced";

    public async Task SeedAsync(CancellationToken ct = default)
    {
        var fleet = await pipelines.FleetAsync(ct);
        if (fleet.Count == 0)
        {
            log.LogInformation("No clusters registered; the demo pipelines are not seeded");
            return;
        }
        var policies = await pipelines.SchedulerPoliciesAsync(ct);
        await SeedAsync(Standard(fleet), fleet, policies, ct);
        await SeedAsync(CanaryThenBalanced(fleet), fleet, policies, ct);
    }

    private async Task SeedAsync(PipelineDocument document, IReadOnlyList<ClusterFacts> fleet, IReadOnlyList<string> policies, CancellationToken ct)
    {
        if (await pipelines.GetAsync(document.Name, ct) is not null) return;
        var problems = PipelineService.Problems(document, fleet, policies);
        if (problems.Count > 0)
        {
            log.LogWarning("Demo pipeline '{Pipeline}' not seeded: {Problems}", document.Name, string.Join(" ", problems));
            return;
        }
        try
        {
            await pipelines.CreateAsync(document, DemoSeeder.DemoActor, ct);
        }
        catch (ConflictException)
        {
            // Another instance seeded it first.
        }
    }

    public static PipelineDocument Standard(IReadOnlyList<ClusterFacts> fleet)
    {
        var prodCanary = ProdCanary(fleet);
        var waves = new List<WaveSpec>
        {
            TestCanary(fleet),
            new() { Name = "staging", Selector = "environment=staging", MaxConcurrency = 2, MinSuccessSeconds = 30 },
        };
        if (prodCanary is not null) waves.Add(prodCanary);
        // A selector may not match what an earlier wave holds, so the prod wave leaves out the prod canary by name.
        waves.Add(new()
        {
            Name = "prod",
            Selector = "environment=prod,tier in (1,2,3)" + (prodCanary is null ? "" : $",name!={prodCanary.Clusters[0]}"),
            MaxConcurrency = 2,
            MinSuccessSeconds = 60,
        });
        waves.Add(new() { Name = "prod-tier0", Clusters = Names(fleet, c => c.Environment == "prod" && c.Tier == 0), MinSuccessSeconds = 120 });
        return new PipelineDocument(Name, "Test clusters first, then staging, one small prod cluster, the rest of prod, and the most critical (tier 0) last.",
            "environment in (test,staging,prod)", waves);
    }

    /// <summary>The standard pipeline's hand-picked canaries, then whatever else is registered when a change is planned, by policy.</summary>
    public static PipelineDocument CanaryThenBalanced(IReadOnlyList<ClusterFacts> fleet)
    {
        var waves = new List<WaveSpec> { TestCanary(fleet) };
        if (ProdCanary(fleet) is { } prodCanary) waves.Add(prodCanary);
        return new PipelineDocument(StandardThenBalancedName,
            "The test clusters and one small prod cluster as fixed canaries, then the rest of the fleet as the balanced policy orders it.",
            null, waves, new DynamicStage { SchedulerPolicy = SchedulerDemoSeeder.Name });
    }

    private static WaveSpec TestCanary(IReadOnlyList<ClusterFacts> fleet) => new()
    {
        Name = "canary",
        Clusters = Names(fleet, c => c.Environment == "test"),
        MaxConcurrency = 3,
        MinSuccessSeconds = 30,
        Canary = true,
    };

    private static WaveSpec? ProdCanary(IReadOnlyList<ClusterFacts> fleet) =>
        Names(fleet, c => c.Environment == "prod" && c.Tier == 1).FirstOrDefault() is { } name
            ? new WaveSpec { Name = "prod-canary", Clusters = [name], MinSuccessSeconds = 60, Canary = true }
            : null;

    private static List<string> Names(IReadOnlyList<ClusterFacts> fleet, Func<ClusterFacts, bool> where) =>
        fleet.Where(where).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
}
