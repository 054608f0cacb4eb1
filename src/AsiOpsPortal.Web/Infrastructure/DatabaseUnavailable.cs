using AsiOpsPortal.Core.Data;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>What an API caller is told (503) when PostgreSQL went away in the middle of their request.</summary>
public static class DatabaseUnavailable
{
    /// <summary>A restarting PostgreSQL is usually back within seconds.</summary>
    public const int RetryAfterSeconds = 5;

    public static string Message(Exception exception) => DatabaseInterruption.IsOutcomeUnknown(exception)
        ? "The database connection was lost while saving, so whether it was saved is unknown. Check before you try again."
        : "The database did not answer; nothing was saved. Try again in a few seconds.";
}
