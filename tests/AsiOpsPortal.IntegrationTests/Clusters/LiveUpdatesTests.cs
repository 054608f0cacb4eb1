using System.Collections.Concurrent;
using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>The live-refresh plumbing: a sync on a Hangfire worker reaches subscribers through PostgreSQL LISTEN/NOTIFY.</summary>
public sealed class LiveUpdatesTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    [Fact]
    public async Task ClusterSynced_DeliversTheClusterName_WhenAQueuedSyncFinishes()
    {
        var sim = world.Cluster("test-hangzhou-02");
        var bob = world.Portal.ApiClient("bob");
        await bob.RegisterAsync(world.Fleet, sim);
        await bob.WaitForSyncAsync(sim.Name);

        var notifier = world.Portal.Services.GetRequiredService<LiveUpdates>();
        var received = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSynced(string cluster)
        {
            received.Enqueue(cluster);
            if (cluster == "listener-ready") listening.TrySetResult();
        }
        notifier.ClusterSynced += OnSynced;
        try
        {
            // The listener connects in the background after start, and a notification sent before it listens is lost:
            // send our own until one comes back, so the sync below is heard.
            await Eventually.UntilAsync(async () =>
                {
                    await notifier.PublishClusterSyncedAsync("listener-ready", CancellationToken.None);
                    await Task.WhenAny(listening.Task, Task.Delay(200));
                    return listening.Task.IsCompleted;
                },
                heard => heard, "the notifier to hear its own notification");

            using (var sync = await bob.PostAsync($"/api/v1/clusters/{sim.Name}/sync", null))
                Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);

            await Eventually.UntilAsync(() => Task.FromResult(received.ToArray()), names => names.Contains(sim.Name),
                $"a ClusterSynced notification for {sim.Name}");
        }
        finally
        {
            notifier.ClusterSynced -= OnSynced;
        }
    }
}
