using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Infrastructure;
using AsiOpsPortal.Web.Scheduling;

namespace AsiOpsPortal.Web.Demo;

/// <summary>
/// Demo mode: a scheduler policy "balanced" — criticality counts most, then health and change history, then size; a canary
/// of two, waves doubling up to ten, at most half a region at once, tier 0 last. Runs once; an existing one is left as edited.
/// </summary>
public sealed class SchedulerDemoSeeder(SchedulerService scheduler)
{
    public const string Name = "balanced";

    public async Task SeedAsync(CancellationToken ct = default)
    {
        if (await scheduler.GetAsync(Name, ct) is not null) return;
        try
        {
            await scheduler.CreateAsync(Balanced(), DemoSeeder.DemoActor, ct);
        }
        catch (ConflictException)
        {
            // Another instance seeded it first.
        }
    }

    public static SchedulerPolicyDocument Balanced() => new(Name,
        "Least critical, healthiest and smallest clusters first; a canary of two; waves doubling up to ten; tier 0 last.",
        new SchedulerFilters(),
        new Dictionary<string, int>
        {
            [ScorePlugins.Tier] = 4,
            [ScorePlugins.Health] = 3,
            [ScorePlugins.Failures] = 2,
            [ScorePlugins.Size] = 1,
            [ScorePlugins.Freshness] = 1,
        },
        new WaveShaping { CanarySize = 2, FirstWaveSize = 2, GrowthFactor = 2, MaxWaveSize = 10, MaxRegionPercent = 50 });
}
