using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// Tags a lost connection with what it may have cost (see <see cref="DatabaseInterruption"/>): a failed open or a read outside
/// a transaction cost nothing; a failed COMMIT, or a write that committed on its own, may have been saved. A failure inside a
/// transaction before COMMIT needs no tag: the server rolls the transaction back, so nothing of it was saved.
/// </summary>
public sealed class InterruptionTagger : DbCommandInterceptor, IDbTransactionInterceptor, IDbConnectionInterceptor
{
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Tag(command, eventData);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken ct = default)
    {
        Tag(command, eventData);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        if (eventData.Action == "Commit") DatabaseInterruption.TagOutcomeUnknown(eventData.Exception);
    }

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken ct = default)
    {
        TransactionFailed(transaction, eventData);
        return Task.CompletedTask;
    }

    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => DatabaseInterruption.TagSafeToRetry(eventData.Exception);

    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken ct = default)
    {
        ConnectionFailed(connection, eventData);
        return Task.CompletedTask;
    }

    private static void Tag(DbCommand command, CommandErrorEventData eventData)
    {
        if (command.Transaction is not null) return;
        if (eventData.CommandSource is CommandSource.LinqQuery or CommandSource.FromSqlQuery)
            DatabaseInterruption.TagSafeToRetry(eventData.Exception);
        else
            DatabaseInterruption.TagOutcomeUnknown(eventData.Exception);
    }
}
