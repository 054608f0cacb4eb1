using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Gates;

/// <summary>
/// The rollout's door to its gates: asks every enabled gate of a stage whose scope concerns the clusters at hand, in name
/// order, stopping at the first that fails. Each answer is kept on the change; a gate that passed at a point is not asked
/// again there, so a runner that takes over after a crash does not ask twice.
/// </summary>
public sealed class GateChecks(IDbContextFactory<PortalDbContext> dbFactory, GateClient client, AuditedWrite write, LiveUpdates liveUpdates)
{
    /// <summary>Null when the rollout may pass this point; otherwise why it must pause, in the failing gate's words.</summary>
    public async Task<string?> CheckAsync(Change change, GateStage stage, int? wave, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gates = await db.Gates.AsNoTracking().Where(g => g.Enabled && g.Stage == stage).OrderBy(g => g.Name).ToListAsync(ct);
        if (gates.Count == 0) return null;

        var planned = (wave is { } index ? change.Plan.Waves[index].Clusters : change.Plan.Waves.SelectMany(w => w.Clusters))
            .Select(c => c.ClusterId).ToList();
        var clusters = (await db.Clusters.AsNoTracking().Where(c => planned.Contains(c.Id))
                .Select(c => new { c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels }).ToListAsync(ct))
            .Select(c => new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels)).ToList();
        var passed = await db.GateCalls
            .Where(c => c.ChangeId == change.Id && c.Stage == stage && c.Wave == wave && c.Outcome == GateOutcome.Passed)
            .Select(c => c.GateId).ToListAsync(ct);

        foreach (var gate in gates.Where(g => !passed.Contains(g.Id) && GateRules.Concerns(g, clusters)))
        {
            var call = await client.AskAsync(gate, GatePayload.For(gate, stage, change, wave), change.Id, wave, ct);
            await write.RunAsync(db, Actor.Rollout, async audit =>
            {
                db.GateCalls.Add(call);
                await audit.RecordAsync(AuditActions.GateAsked, $"change/{change.Id}",
                    $"gate '{gate.Name}' {Where(change, stage, wave)}: {call.Outcome.ToString().ToLowerInvariant()}, {call.Message}",
                    succeeded: call.Outcome == GateOutcome.Passed);
            }, ct);
            await liveUpdates.PublishChangeAsync(change.Id, ct);
            if (call.Outcome == GateOutcome.Failed) return $"Paused: gate '{gate.Name}' {Where(change, stage, wave)} {call.Message}.";
        }
        return null;
    }

    private static string Where(Change change, GateStage stage, int? wave) => (stage, wave) switch
    {
        (GateStage.BeforeChange, _) => "before the change",
        (GateStage.BeforeWave, { } i) => $"before wave '{change.Plan.Waves[i].Name}'",
        (_, { } i) => $"after wave '{change.Plan.Waves[i].Name}'",
        _ => "",
    };
}
