using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// When EF Core takes a connection from the pool, proves it still reaches the server and swaps it for a fresh one if the
/// server dropped it: a PostgreSQL restart leaves every idle pooled connection dead, and without this each would fail
/// one query or unit of work with an error. Checked at open because a unit of work is never retried
/// (<see cref="ReadRetryingExecutionStrategy"/>): it must at least start on a live connection. One round trip per opened
/// connection is the price.
/// </summary>
public sealed class StaleConnectionCheck : DbConnectionInterceptor
{
    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        if (connection is not NpgsqlConnection npgsql) return;
        try
        {
            await using var ping = npgsql.CreateCommand();
            ping.CommandText = "SELECT 1";
            await ping.ExecuteScalarAsync(ct);
        }
        catch (NpgsqlException e) when (DatabaseInterruption.IsConnectionLost(e))
        {
            // Npgsql keeps the other dead connections in its pool; each would fail once more.
            NpgsqlConnection.ClearPool(npgsql);
            await npgsql.CloseAsync();
            await npgsql.OpenAsync(ct);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is not NpgsqlConnection npgsql) return;
        try
        {
            using var ping = npgsql.CreateCommand();
            ping.CommandText = "SELECT 1";
            ping.ExecuteScalar();
        }
        catch (NpgsqlException e) when (DatabaseInterruption.IsConnectionLost(e))
        {
            NpgsqlConnection.ClearPool(npgsql);
            npgsql.Close();
            npgsql.Open();
        }
    }
}
