using System.Net;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Changes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>
/// Rollouts whose clusters take seconds to converge, with the worker let go as soon as only watching is left: the rollout
/// parks while its workloads converge and is woken by the convergence itself, forward and rolling back. The steps'
/// deadlines are minutes away, so a rollout that finishes within a minute was not merely restarted at a deadline.
/// </summary>
public sealed class HandOverTests(HandOverWorld world) : IClassFixture<HandOverWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private static readonly TimeSpan WellBeforeAnyDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rollout_ParksWhileItsClustersConverge_AndIsWokenByTheirConvergence_ForwardAndBack()
    {
        string[] clusters = ["test-hangzhou-01", "test-shanghai-01", "test-beijing-01"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("web-handover", "web-handover", ("1.0", "nginx:1.26"), ("2.0", "nginx:1.27"));
        await _bob.CreatePipelineAsync("handover-path",
            ChangeApi.Wave("first", [clusters[0]], progressDeadlineSeconds: 300),
            ChangeApi.Wave("rest", clusters[1..], maxConcurrency: 2, progressDeadlineSeconds: 300));
        await RollOutAsync("web 1.0", "1.0"); // what the rollback restores

        var id = await _alice.ProposeOkAsync("web 2.0", "web-handover", "2.0", "handover-path");
        await ApproveAsync(id);
        await Eventually.UntilAsync(() => ParkedWhileConvergingAsync(id), parked => parked, "the rollout to park while a step converges");
        await _bob.WaitForStatusAsync(id, "Succeeded", WellBeforeAnyDeadline);
        foreach (var cluster in clusters)
            Assert.Equal("nginx:1.27", await world.Fleet.DeploymentImageAsync(cluster, "web-handover", "web-handover"));

        using (var rollback = await _bob.ActAsync(id, "rollback"))
            await rollback.ExpectJsonAsync(HttpStatusCode.OK, "rolling back");
        await Eventually.UntilAsync(() => ParkedWhileConvergingAsync(id), parked => parked, "the rollback to park while a step converges");
        await _bob.WaitForStatusAsync(id, "RolledBack", WellBeforeAnyDeadline);
        foreach (var cluster in clusters)
            Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(cluster, "web-handover", "web-handover"));
    }

    [Fact]
    public async Task RolloutJob_ReleasesTheChangesLock_WhenItEnds_ThoughItsConnectionGoesBackToThePool()
    {
        await world.RegisterAsync("staging-hangzhou-01");
        await _alice.CreateComponentAsync("web-unlock", "web-unlock", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("unlock-path", ChangeApi.Wave("only", ["staging-hangzhou-01"]));
        var id = await _alice.ProposeOkAsync("web 1.0", "web-unlock", "1.0", "unlock-path");
        await ApproveAsync(id);
        await _bob.WaitForStatusAsync(id, "Succeeded", WellBeforeAnyDeadline);

        // A job for a change that no longer runs takes the lock, finds nothing to do and ends; the next job (a wake-up)
        // must find the lock free at once, not when the pool happens to hand the same connection out again.
        await world.Portal.Services.GetRequiredService<RolloutRunner>().RunAsync(id, CancellationToken.None);
        Assert.False(await LockedAsync(id), $"change {id} is still locked after its job ended");
    }

    /// <summary>Whether any session holds the change's rollout lock; asked on a connection of its own, outside any pool.</summary>
    private async Task<bool> LockedAsync(long id)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(world.Portal.Db.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = @space AND objid = @id AND objsubid = 2", connection);
        command.Parameters.AddWithValue("space", RolloutRunner.LockSpace);
        command.Parameters.AddWithValue("id", (int)id);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private async Task RollOutAsync(string title, string version)
    {
        var id = await _alice.ProposeOkAsync(title, "web-handover", version, "handover-path");
        await ApproveAsync(id);
        await _bob.WaitForStatusAsync(id, "Succeeded", WellBeforeAnyDeadline);
    }

    private async Task ApproveAsync(long id)
    {
        foreach (var approver in new[] { "bob", "carol", "admin" })
            if ((await world.Portal.ApiClient(approver).ApproveOkAsync(id))["status"]!.GetValue<string>() != "PendingApproval") break;
    }

    /// <summary>Whether the change is parked (no worker holds it) while one of its steps is still converging.</summary>
    private async Task<bool> ParkedWhileConvergingAsync(long id)
    {
        await using var db = world.Portal.Db.CreateContext();
        var change = await db.Changes.AsNoTracking().SingleAsync(c => c.Id == id);
        var converging = await db.RolloutSteps.AnyAsync(s => s.ChangeId == id && s.Status == StepStatus.Converging);
        return change.Status == ChangeStatus.Running && change.ParkedUntil is not null && converging;
    }
}
