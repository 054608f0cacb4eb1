using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Pipelines;

/// <summary>
/// Demo mode: a pipeline "standard" over whatever demo clusters are registered — test clusters as canaries, staging by
/// selector, one tier-1 prod cluster alone, the rest of tiers 1-3 by selector, and the tier-0 clusters last, by hand.
/// Runs once; an existing "standard" is left as people edited it.
/// </summary>
public sealed class PipelineDemoSeeder(PipelineService pipelines, ILogger<PipelineDemoSeeder> log)
{
    public const string Name = "standard";

    public async Task SeedAsync(CancellationToken ct = default)
    {
        if (await pipelines.GetAsync(Name, ct) is not null) return;
        var fleet = await pipelines.FleetAsync(ct);
        if (fleet.Count == 0)
        {
            log.LogInformation("No clusters registered; the demo pipeline '{Pipeline}' is not seeded", Name);
            return;
        }
        var document = Standard(fleet);
        var problems = PipelineService.Problems(document, fleet, []);
        if (problems.Count > 0)
        {
            log.LogWarning("Demo pipeline '{Pipeline}' not seeded: {Problems}", Name, string.Join(" ", problems));
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
        List<string> Names(Func<ClusterFacts, bool> where) => fleet.Where(where).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        var prodCanary = Names(c => c.Environment == "prod" && c.Tier == 1).FirstOrDefault();
        var waves = new List<WaveSpec>
        {
            new() { Name = "canary", Clusters = Names(c => c.Environment == "test"), MaxConcurrency = 3, MinSuccessSeconds = 30, Canary = true },
            new() { Name = "staging", Selector = "environment=staging", MaxConcurrency = 2, MinSuccessSeconds = 30 },
        };
        if (prodCanary is not null)
            waves.Add(new() { Name = "prod-canary", Clusters = [prodCanary], MinSuccessSeconds = 60, Canary = true });
        // A selector may not match what an earlier wave holds, so the prod wave leaves out the prod canary by name.
        waves.Add(new()
        {
            Name = "prod",
            Selector = "environment=prod,tier in (1,2,3)" + (prodCanary is null ? "" : $",name!={prodCanary}"),
            MaxConcurrency = 2,
            MinSuccessSeconds = 60,
        });
        waves.Add(new() { Name = "prod-tier0", Clusters = Names(c => c.Environment == "prod" && c.Tier == 0), MinSuccessSeconds = 120 });
        return new PipelineDocument(Name, "Test clusters first, then staging, one small prod cluster, the rest of prod, and the most critical (tier 0) last.",
            "environment in (test,staging,prod)", waves);
    }
}
