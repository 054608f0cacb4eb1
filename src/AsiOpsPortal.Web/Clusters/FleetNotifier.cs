using AsiOpsPortal.Web.Infrastructure;
using Npgsql;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>
/// Tells live pages that a cluster's inventory changed. Fed by PostgreSQL LISTEN/NOTIFY so that a sync finished
/// by a worker in another process still refreshes the pages this process serves.
/// </summary>
public sealed class FleetNotifier(IConfiguration configuration, ILogger<FleetNotifier> log) : BackgroundService
{
    public const string Channel = "asiops_fleet";
    private readonly string _connectionString = configuration.PortalConnectionString();

    /// <summary>Raised with the cluster's name, on a thread-pool thread: subscribers marshal with InvokeAsync.</summary>
    public event Action<string>? ClusterSynced;

    public async Task PublishClusterSyncedAsync(string cluster, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", cluster);
        await command.ExecuteNonQueryAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => ClusterSynced?.Invoke(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Live refresh is a convenience: keep trying, never take the host down.
                log.LogWarning(e, "Listening for fleet notifications failed; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
