using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// Retries work that EF Core runs on its own (queries, a SaveChanges outside a transaction) when PostgreSQL drops the
/// connection, e.g. during a restart. Work inside a transaction the code began itself is not retried here, because only
/// the whole unit of work could be repeated safely; <see cref="StaleConnectionCheck"/> covers those at their start.
/// This keeps the 28 existing BeginTransactionAsync call sites as they are instead of wrapping each in the strategy.
/// </summary>
public sealed class PortalExecutionStrategy(ExecutionStrategyDependencies dependencies)
    : NpgsqlRetryingExecutionStrategy(dependencies, MaxRetries, TimeSpan.FromSeconds(2), ConnectionLost)
{
    private const int MaxRetries = 4;

    /// <summary>The server ended the session (admin shutdown, crash, still starting): the next connection will do.</summary>
    internal static readonly string[] ConnectionLost = [PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow];

    public override bool RetriesOnFailure => base.RetriesOnFailure && Dependencies.CurrentContext.Context.Database.CurrentTransaction is null;

    protected override bool ShouldRetryOn(Exception? exception)
    {
        var retry = base.ShouldRetryOn(exception);
        // Npgsql keeps the other idle connections of a restarted server in its pool; each would fail once more.
        if (retry && Dependencies.CurrentContext.Context.Database.GetDbConnection() is NpgsqlConnection connection) NpgsqlConnection.ClearPool(connection);
        return retry;
    }
}
