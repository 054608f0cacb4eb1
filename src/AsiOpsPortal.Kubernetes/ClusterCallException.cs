namespace AsiOpsPortal.Kubernetes;

public enum ClusterFailure
{
    Unreachable,
    Timeout,
    Unauthorized,
    Forbidden,
    ServerError,
    BadResponse,
    /// <summary>The object (or the namespace it goes in) does not exist.</summary>
    NotFound,
    /// <summary>Another field manager owns the fields, or the object changed underneath the request (409).</summary>
    Conflict,
    /// <summary>The API server refused the object as malformed or invalid (400, 422).</summary>
    Invalid,
    /// <summary>The cluster does not serve the object's kind in its apiVersion (a missing CRD, a removed API version).</summary>
    UnknownKind,
}

/// <summary>A call to a cluster failed; <see cref="Exception.Message"/> is safe to show and names what to check.</summary>
public sealed class ClusterCallException(ClusterFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public ClusterFailure Failure { get; } = failure;
}
