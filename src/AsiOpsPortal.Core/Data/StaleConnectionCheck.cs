using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// Before a transaction begins, proves the pooled connection still reaches the server and swaps it for a fresh one if
/// the server dropped it (a PostgreSQL restart leaves every idle pooled connection dead). One round trip per transaction
/// buys that a unit of work never fails on a connection that was already gone before it started.
/// </summary>
public sealed class StaleConnectionCheck : DbTransactionInterceptor
{
    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken ct = default)
    {
        if (connection is not NpgsqlConnection npgsql) return result;
        try
        {
            await using var ping = npgsql.CreateCommand();
            ping.CommandText = "SELECT 1";
            await ping.ExecuteScalarAsync(ct);
        }
        catch (NpgsqlException e) when (IsConnectionLost(e))
        {
            NpgsqlConnection.ClearPool(npgsql);
            await npgsql.CloseAsync();
            await npgsql.OpenAsync(ct);
        }
        return result;
    }

    public override InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (connection is not NpgsqlConnection npgsql) return result;
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
        return result;
    }

    private static bool IsConnectionLost(NpgsqlException e) =>
        e is PostgresException postgres ? PortalExecutionStrategy.ConnectionLost.Contains(postgres.SqlState) : e.IsTransient;
}
