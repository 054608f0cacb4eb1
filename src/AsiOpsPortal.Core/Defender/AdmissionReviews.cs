using System.Text.Json;
using System.Text.Json.Nodes;

namespace AsiOpsPortal.Core.Defender;

/// <summary>
/// One AdmissionReview as the defender reads it: who asked (user, user agent), whether it is a dry run, and the destructive
/// operation it is, if any (null: nothing the defender counts).
/// </summary>
public sealed record AdmissionReview(string Uid, string User, string UserAgent, bool DryRun, DestructiveOperation? Operation)
{
    /// <summary>The request the budgets decide: this review's operation in <paramref name="cluster"/>.</summary>
    public AdmissionRequest ToRequest(DestructiveOperation operation, string cluster, string environment, IReadOnlyDictionary<string, string> labels) =>
        new(User, UserAgent, operation.Verb, operation.Resource, operation.Namespace, operation.Name, cluster, environment, labels);
}

/// <summary>A delete, an eviction or a scale to zero, named as budgets name them.</summary>
public sealed record DestructiveOperation(string Verb, string Resource, string? Namespace, string Name);

/// <summary>
/// Reads AdmissionReview v1 requests and writes their answers, as kube-apiserver's validating webhook protocol defines
/// them: pure, so every mapping is tested without a server.
/// </summary>
public static class AdmissionReviews
{
    public const string ApiVersion = "admission.k8s.io/v1";
    public const string Kind = "AdmissionReview";
    /// <summary>The key of userInfo.extra that carries the caller's User-Agent (kube-apiserver sends none; FleetSim does).</summary>
    public const string UserAgentExtra = "user-agent";

    private static readonly HashSet<string> Workloads = ["deployments", "statefulsets", "replicasets"];

    /// <summary>The review in <paramref name="json"/>, or the problem naming the field that makes it unreadable.</summary>
    public static (AdmissionReview? Review, string? Problem) Read(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return (null, $"body: not JSON ({e.Message})");
        }
        if (root is not JsonObject review) return (null, "body: must be an AdmissionReview object.");
        try
        {
            return Read(review);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // A duplicated key surfaces only when the object is first read.
            return (null, $"body: not a well-formed AdmissionReview ({e.Message})");
        }
    }

    private static (AdmissionReview? Review, string? Problem) Read(JsonObject review)
    {
        if (Text(review["apiVersion"]) != ApiVersion || Text(review["kind"]) != Kind)
            return (null, $"apiVersion, kind: must be {ApiVersion}, {Kind}.");
        if (review["request"] is not JsonObject request) return (null, "request: required, an object.");
        if (Text(request["uid"]) is not { Length: > 0 } uid) return (null, "request.uid: required.");
        if (Text(request["operation"]) is not { Length: > 0 } operation) return (null, "request.operation: required.");
        if (Text((request["resource"] as JsonObject)?["resource"]) is not { Length: > 0 } resource) return (null, "request.resource.resource: required.");
        var userInfo = request["userInfo"] as JsonObject;
        var agents = (userInfo?["extra"] as JsonObject)?[UserAgentExtra] as JsonArray;
        var user = Text(userInfo?["username"]) ?? "";
        var userAgent = agents is [var first, ..] ? Text(first) ?? "" : "";
        var dryRun = request["dryRun"] is JsonValue dry && dry.TryGetValue<bool>(out var isDry) && isDry;
        var ns = Text(request["namespace"]) is { Length: > 0 } n ? n : null;
        var name = Text(request["name"]) ?? "";
        var subresource = Text(request["subResource"]) ?? "";
        DestructiveOperation? destructive = (operation, resource, subresource) switch
        {
            ("DELETE", _, _) => new(DefenderVerbs.Delete, resource, ns, name),
            ("CREATE", "pods", "eviction") => new(DefenderVerbs.Eviction, resource, ns, name),
            ("UPDATE", _, "" or "scale") when Workloads.Contains(resource) && ScalesToZero(request, subresource == "scale")
                => new(DefenderVerbs.ScaleToZero, resource, ns, name),
            _ => null,
        };
        return (new AdmissionReview(uid, user, userAgent, dryRun, destructive), null);
    }

    /// <summary>Replicas from more than zero to zero, on the workload itself or its Scale.</summary>
    private static bool ScalesToZero(JsonObject request, bool scale)
    {
        // A workload without spec.replicas runs one; a Scale omits replicas when they are zero (omitempty).
        var absent = scale ? 0 : 1;
        return Replicas(request["oldObject"], absent) > 0 && Replicas(request["object"], absent) == 0;
    }

    private static long Replicas(JsonNode? obj, long absent) =>
        ((obj as JsonObject)?["spec"] as JsonObject)?["replicas"] is JsonValue value && value.TryGetValue<long>(out var replicas) ? replicas : absent;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The answer that lets the request through.</summary>
    public static JsonObject Allow(string uid) => Answer(new JsonObject { ["uid"] = uid, ["allowed"] = true });

    /// <summary>
    /// The answer to a decided request: allowed, or refused with the verdict's code (403 Forbidden, 429 TooManyRequests) and
    /// message; a 429 carries the seconds to wait, which the API server turns into a Retry-After header.
    /// </summary>
    public static JsonObject Answer(string uid, AdmissionVerdict verdict)
    {
        if (verdict.Allowed) return Allow(uid);
        var tooMany = verdict.Code == 429;
        var status = new JsonObject
        {
            ["code"] = verdict.Code,
            ["reason"] = tooMany ? "TooManyRequests" : "Forbidden",
            ["message"] = verdict.Message,
        };
        if (tooMany && verdict.RetryAfter is { } wait)
            status["details"] = new JsonObject { ["retryAfterSeconds"] = AdmissionRules.WholeSeconds(wait) };
        return Answer(new JsonObject { ["uid"] = uid, ["allowed"] = false, ["status"] = status });
    }

    private static JsonObject Answer(JsonObject response) => new() { ["apiVersion"] = ApiVersion, ["kind"] = Kind, ["response"] = response };
}
