using Npgsql;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Live updates for open pages: a cluster's inventory, a change's rollout or the freeze windows moved. Fed by PostgreSQL
/// LISTEN/NOTIFY so that a sync finished by a worker in another process still refreshes the pages this process serves.
/// </summary>
public sealed class LiveUpdates(IConfiguration configuration, ILogger<LiveUpdates> log) : BackgroundService
{
    public const string Channel = "asiops_fleet";
    private readonly string _connectionString = configuration.PortalConnectionString();

    private const string ChangePrefix = "change:";
    /// <summary>Has a colon, which no cluster name (a DNS label) can, so it never reads as a cluster.</summary>
    private const string FreezeChanged = "freeze:changed";

    /// <summary>Raised with the cluster's name, on a thread-pool thread: subscribers marshal with InvokeAsync.</summary>
    public event Action<string>? ClusterSynced;

    /// <summary>Raised with a change's id whenever its state or its rollout moved; on a thread-pool thread.</summary>
    public event Action<long>? ChangeUpdated;

    /// <summary>Raised when a freeze window was added or removed, so calendars and banners look again; on a thread-pool thread.</summary>
    public event Action? FreezeWindowsChanged;

    public Task PublishFreezeChangedAsync(CancellationToken ct) => PublishAsync(FreezeChanged, ct);

    public Task PublishClusterSyncedAsync(string cluster, CancellationToken ct) => PublishAsync(cluster, ct);

    public Task PublishChangeAsync(long changeId, CancellationToken ct) => PublishAsync(ChangePrefix + changeId, ct);

    private async Task PublishAsync(string payload, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    private void Dispatch(string payload)
    {
        if (payload == FreezeChanged) FreezeWindowsChanged?.Invoke();
        else if (!payload.StartsWith(ChangePrefix, StringComparison.Ordinal)) ClusterSynced?.Invoke(payload);
        else if (long.TryParse(payload.AsSpan(ChangePrefix.Length), out var id)) ChangeUpdated?.Invoke(id);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Dispatch(e.Payload);
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
