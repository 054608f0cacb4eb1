using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// Retries what a lost connection cost nothing (see <see cref="InterruptionTagger"/>): opening a connection and reads outside a
/// transaction. Nothing else is retried. Inside a unit of work the transaction died with its connection and re-running the
/// caller's work is not known to be safe (entities it loaded, events it added), so the unit fails whole and nothing of it stays;
/// a lost COMMIT has an unknown outcome and must never run twice.
/// </summary>
public sealed class ReadRetryingExecutionStrategy(ExecutionStrategyDependencies dependencies)
    : NpgsqlRetryingExecutionStrategy(dependencies, maxRetryCount: 3, maxRetryDelay: TimeSpan.FromSeconds(2), errorCodesToAdd: null)
{
    private bool InUnitOfWork => Dependencies.CurrentContext.Context.Database.CurrentTransaction is not null;

    public override TResult Execute<TState, TResult>(TState state, Func<DbContext, TState, TResult> operation,
        Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded) =>
        InUnitOfWork ? operation(Dependencies.CurrentContext.Context, state) : base.Execute(state, operation, verifySucceeded);

    public override Task<TResult> ExecuteAsync<TState, TResult>(TState state, Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
        Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded, CancellationToken ct = default) =>
        InUnitOfWork ? operation(Dependencies.CurrentContext.Context, state, ct) : base.ExecuteAsync(state, operation, verifySucceeded, ct);

    protected override bool ShouldRetryOn(Exception? exception) => DatabaseInterruption.IsSafeToRetry(exception);
}
