using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// When EF Core takes a connection from the pool, proves it still reaches the server and swaps it for a fresh one if the
/// server dropped it: a PostgreSQL restart leaves every idle pooled connection dead, and without this each would fail
/// one query or unit of work with an error. Checked at open rather than retried after a failure, so the ~28 units of
/// work that begin their own transaction need no wrapping in an execution strategy (a retrying strategy refuses them).
/// One round trip per opened connection is the price.
/// </summary>
public sealed class StaleConnectionCheck : DbConnectionInterceptor
{
    /// <summary>The server ended the session (admin shutdown, crash, still starting): the next connection will do.</summary>
    private static readonly string[] ConnectionLost = [PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow];

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        if (connection is not NpgsqlConnection npgsql) return;
        try
        {
            await using var ping = npgsql.CreateCommand();
            ping.CommandText = "SELECT 1";
            await ping.ExecuteScalarAsync(ct);
        }
        catch (NpgsqlException e) when (IsConnectionLost(e))
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
        catch (NpgsqlException e) when (IsConnectionLost(e))
        {
            NpgsqlConnection.ClearPool(npgsql);
            npgsql.Close();
            npgsql.Open();
        }
    }

    private static bool IsConnectionLost(NpgsqlException e) =>
        e is PostgresException postgres ? ConnectionLost.Contains(postgres.SqlState) : e.IsTransient;
}
