using Npgsql;

namespace AsiOpsPortal.Core.Data;

/// <summary>
/// What a lost connection to PostgreSQL (a restart, a dropped session) means for the operation it broke. The interceptors
/// tag the exception where the failure happened, because only there is it known whether anything could have been written.
/// </summary>
public static class DatabaseInterruption
{
    private const string Key = "AsiOpsPortal.DatabaseInterruption";
    private const string NothingSent = "nothing-sent";
    private const string OutcomeUnknown = "outcome-unknown";

    /// <summary>The server ended the session (admin shutdown, crash, still starting): the next connection will do.</summary>
    private static readonly string[] SessionEnded = [PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow];

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) is the connection to PostgreSQL going away.</summary>
    public static bool IsConnectionLost(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException postgres ? SessionEnded.Contains(postgres.SqlState) : e is NpgsqlException { IsTransient: true })
                return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the failure may have come after the server committed (a lost COMMIT, or a write outside a transaction): the
    /// caller cannot know whether it was saved, so it must neither be retried nor reported as "nothing was saved".
    /// </summary>
    public static bool IsOutcomeUnknown(Exception? exception) => Tagged(exception, OutcomeUnknown);

    /// <summary>Whether the failure came from opening a connection or from a read outside a transaction: running it again changes nothing twice.</summary>
    public static bool IsSafeToRetry(Exception? exception) => IsConnectionLost(exception) && Tagged(exception, NothingSent);

    internal static void TagSafeToRetry(Exception exception) => exception.Data[Key] = NothingSent;

    internal static void TagOutcomeUnknown(Exception exception) => exception.Data[Key] = OutcomeUnknown;

    private static bool Tagged(Exception? exception, string tag)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data[Key] as string == tag) return true;
        }
        return false;
    }
}
