using System.Text.Json.Nodes;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>An API failure that becomes a Kubernetes Status response; thrown anywhere below the endpoint.</summary>
internal sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => Status.Failure(Code, Reason, Message, Details);

    public static ApiException NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found", Status.Details(resource, name));

    public static ApiException AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists", Status.Details(resource, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);
}

/// <summary>Builds meta/v1 Status objects, the body of every error the real API server returns.</summary>
internal static class Status
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null) status["details"] = details;
        return status;
    }

    public static JsonObject Success(int code, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = code,
        };
        if (details is not null) status["details"] = details;
        return status;
    }

    /// <summary>Details name the resource as "kind" the way the API server does ("deployments.apps", not "Deployment").</summary>
    public static JsonObject Details(string resource, string name)
    {
        var dot = resource.IndexOf('.');
        return new JsonObject
        {
            ["name"] = name,
            ["group"] = dot < 0 ? "" : resource[(dot + 1)..],
            ["kind"] = dot < 0 ? resource : resource[..dot],
        };
    }
}
