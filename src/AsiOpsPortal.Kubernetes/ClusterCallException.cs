namespace AsiOpsPortal.Kubernetes;

public enum ClusterFailure
{
    Unreachable,
    Timeout,
    Tls,
    Unauthorized,
    Forbidden,
    ServerError,
    BadResponse,
}

/// <summary>A call to a cluster failed; <see cref="Exception.Message"/> is safe to show and names what to check.</summary>
public sealed class ClusterCallException(ClusterFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ClusterFailure Failure { get; } = failure;
}
