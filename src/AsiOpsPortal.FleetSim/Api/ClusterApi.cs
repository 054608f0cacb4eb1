using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Admission;
using AsiOpsPortal.FleetSim.Fleet;
using AsiOpsPortal.FleetSim.Store;
using AsiOpsPortal.FleetSim.Workloads;
using Microsoft.AspNetCore.Http;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>
/// The Kubernetes REST surface of one cluster, mounted under /clusters/NAME. Order of checks matches what a client of a
/// sick cluster would experience: network (latency, unreachable), then server errors, then authentication, then the API.
/// </summary>
internal static class ClusterApi
{
    private sealed record Target(ApiResource Resource, string? Namespace, string? Name, string? Subresource);

    public static async Task HandleAsync(HttpContext ctx, FleetContext fleet, string clusterName)
    {
        var prefix = $"/clusters/{clusterName}";
        var path = ctx.Request.Path.Value is { } p && p.StartsWith(prefix, StringComparison.Ordinal) ? p[prefix.Length..] : "/";
        if (!fleet.TryGet(clusterName, out var cluster))
        {
            await WriteAsync(ctx, Status.Failure(404, "NotFound", $"cluster \"{clusterName}\" is not simulated here"), 404);
            return;
        }
        var started = DateTimeOffset.UtcNow;
        var aborted = false;
        try
        {
            var fault = cluster.Fault;
            if (fault.Latency > TimeSpan.Zero) await Task.Delay(fault.Latency, ctx.RequestAborted);
            if (fault.Unreachable)
            {
                aborted = true;
                ctx.Abort();
                return;
            }
            if (fault.ErrorRate > 0 && Random.Shared.NextDouble() < fault.ErrorRate)
            {
                await WriteAsync(ctx, Status.Failure(500, "InternalError", "Internal error occurred: fleetsim injected fault"), 500);
                return;
            }
            if (ctx.Request.Headers.Authorization.ToString() != $"Bearer {cluster.Token}")
            {
                await WriteAsync(ctx, Status.Failure(401, "Unauthorized", "Unauthorized"), 401);
                return;
            }
            cluster.State.Tick();
            await DispatchAsync(ctx, cluster, prefix, path);
        }
        catch (ApiException e)
        {
            if (ctx.Response.HasStarted) return;
            // As kube-apiserver's error writer: a Status that says when to retry also says it in the Retry-After header.
            if (e.Details.Long("retryAfterSeconds") is > 0 and var seconds)
                ctx.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await WriteAsync(ctx, e.ToStatus(), e.Code);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            aborted = true;
        }
        finally
        {
            fleet.Requests.Add(new SimRequest(started, clusterName, ctx.Request.Method, path + ctx.Request.QueryString,
                ctx.Request.ContentType, aborted ? 0 : ctx.Response.StatusCode));
        }
    }

    private static async Task DispatchAsync(HttpContext ctx, SimCluster cluster, string prefix, string path)
    {
        var state = cluster.State;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var resources = state.AllResources();
        var notFound = Status.Failure(404, "NotFound", "the server could not find the requested resource");
        switch (segments)
        {
            case ["version"]:
                await WriteAsync(ctx, Discovery.Version(cluster.Info));
                return;
            case ["healthz" or "livez" or "readyz", ..]:
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("ok");
                return;
            case ["api"]:
                await WriteAsync(ctx, Discovery.CoreVersions(ctx.Request.Host.Value ?? "127.0.0.1"));
                return;
            case ["apis"]:
                await WriteAsync(ctx, Discovery.GroupList(resources));
                return;
            case ["api", var version]:
                await WriteAsync(ctx, Discovery.ResourceList("", version, resources) ?? notFound);
                return;
            case ["apis", var group]:
                await WriteAsync(ctx, Discovery.Group(group, resources) ?? notFound);
                return;
            case ["apis", var group, var version]:
                await WriteAsync(ctx, Discovery.ResourceList(group, version, resources) ?? notFound);
                return;
            case ["openapi", "v3"]:
                await WriteAsync(ctx, Discovery.OpenApiRoot(prefix, resources));
                return;
            case ["openapi", "v3", "api", var version]:
                await WriteAsync(ctx, Discovery.OpenApiGroupVersion("", version, resources) ?? notFound);
                return;
            case ["openapi", "v3", "apis", var group, var version]:
                await WriteAsync(ctx, Discovery.OpenApiGroupVersion(group, version, resources) ?? notFound);
                return;
            case ["api", var version, .. var rest] when rest.Length > 0:
                await ResourceAsync(ctx, state, "", version, rest);
                return;
            case ["apis", var group, var version, .. var rest] when rest.Length > 0:
                await ResourceAsync(ctx, state, group, version, rest);
                return;
            default:
                await WriteAsync(ctx, notFound, 404);
                return;
        }
    }

    private static async Task ResourceAsync(HttpContext ctx, ClusterState state, string group, string version, string[] rest)
    {
        var query = ctx.Request.Query;
        var watch = query["watch"] is var w && (w == "true" || w == "1");
        if (rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }
        string? ns = null;
        if (rest is ["namespaces", _, _, ..] && rest is not ["namespaces", _, "status" or "finalize"])
        {
            ns = rest[1];
            rest = rest[2..];
        }
        var method = ctx.Request.Method;
        var body = method is "POST" or "PUT" or "PATCH" || (method == "DELETE" && ctx.Request.ContentLength > 0)
            ? await ReadBodyAsync(ctx) : null;

        var resource = state.FindResource(group, version, rest[0]);
        if (resource is null || rest.Length > 3 || (resource.Namespaced == false && ns is not null))
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        if (resource.Namespaced && ns is null && rest.Length > 1)
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        var target = new Target(resource, ns, rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2));

        // kubectl --dry-run=server says so in the DeleteOptions of a delete or an eviction, and in the query of other verbs.
        var deleteOptions = method == "DELETE" ? body : target.Subresource == "eviction" ? body.At("deleteOptions") : null;
        var dryRun = query["dryRun"] == "All" || (deleteOptions.At("dryRun") is JsonArray modes && modes.Any(m => m?.ToString() == "All"));
        var manager = query["fieldManager"].ToString() is { Length: > 0 } fm ? fm : DefaultManager(ctx);
        var table = ctx.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);
        var includeObject = query["includeObject"].ToString();

        switch (method, target.Name, target.Subresource)
        {
            case ("GET", null, _) when watch:
                await WatchStream.RunAsync(ctx, state, target.Resource, target.Namespace, table);
                return;
            case ("GET", null, _):
                await ListAsync(ctx, state, target, table, includeObject);
                return;
            case ("GET", { } name, null or "status"):
            {
                var obj = state.Get(target.Resource, target.Namespace, name);
                await WriteAsync(ctx, table ? Tables.Render(target.Resource, [obj], null, null, null, true, includeObject) : obj);
                return;
            }
            case ("GET", { } name, "scale"):
                await WriteAsync(ctx, state.GetScale(target.Resource, target.Namespace, name));
                return;
            case ("POST", null, null):
                RequireNamespace(target);
                await WriteAsync(ctx, await AdmittedAsync(ctx, state, target, null, body,
                    (b, dry) => state.Create(target.Resource, target.Namespace, RequireObject(b), manager, dry), dryRun), 201);
                return;
            case ("POST", { } name, "eviction") when target.Resource == ResourceCatalog.Pods:
                // As in kube-apiserver, the eviction is reviewed (CREATE pods/eviction, object the Eviction); the pod delete it causes is not.
                if (Reviewed(state, target)) await AdmitAsync(ctx, state, target, "CREATE", name, Eviction(body), null, dryRun);
                await WriteAsync(ctx, Disruption.Evict(state, target.Namespace!, name, dryRun), 201);
                return;
            case ("PUT", { } name, "scale"):
                await WriteAsync(ctx, await AdmittedAsync(ctx, state, target, name, body,
                    (b, dry) => state.SetScale(target.Resource, target.Namespace, name, RequireObject(b).Long("spec", "replicas") ?? 1, manager, dry), dryRun));
                return;
            case ("PUT", { } name, null or "status"):
                await WriteAsync(ctx, await AdmittedAsync(ctx, state, target, name, body,
                    (b, dry) => state.Replace(target.Resource, target.Namespace, name, RequireObject(b), manager, dry, target.Subresource), dryRun));
                return;
            case ("PATCH", { } name, var sub):
                await WriteAsync(ctx, await AdmittedAsync(ctx, state, target, name, body,
                    (b, dry) => Patch(ctx, state, target, name, sub, b, manager, dry), dryRun));
                return;
            case ("DELETE", null, null):
            {
                var labels = Selector.ParseLabels(query["labelSelector"]);
                var fields = Selector.ParseFields(query["fieldSelector"]);
                var deleted = Reviewed(state, target)
                    ? await DeleteEachAsync(ctx, state, target, state.DeleteCollection(target.Resource, target.Namespace, labels, fields, dryRun: true), dryRun)
                    : state.DeleteCollection(target.Resource, target.Namespace, labels, fields, dryRun);
                await WriteListAsync(ctx, target.Resource, new ClusterState.Page(deleted, state.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null));
                return;
            }
            case ("DELETE", { } name, null):
                if (Reviewed(state, target)) await AdmitAsync(ctx, state, target, "DELETE", name, null, state.Get(target.Resource, target.Namespace, name), dryRun);
                await WriteAsync(ctx, state.Delete(target.Resource, target.Namespace, name, body as JsonObject, dryRun));
                return;
            default:
                throw new ApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }

    // ---- validating admission ---------------------------------------------------------------------------------------

    /// <summary>
    /// Whether writes to this resource go to webhooks at all: not when the cluster has none (nearly always, and then free),
    /// and never for the admission configuration types themselves, which kube-apiserver exempts so a broken webhook can be removed.
    /// </summary>
    private static bool Reviewed(ClusterState state, Target target) =>
        state.Webhooks.Count > 0 && target.Resource.Group != ResourceCatalog.ValidatingWebhookConfigurations.Group;

    /// <summary>
    /// A create or update of <paramref name="body"/>, reviewed by the matching webhooks. The write runs first as a dry run
    /// on a copy (verbs fill in the body they are given), which yields the object it would store and answers 404/409/422
    /// before any webhook is called; the webhooks review that object outside the cluster lock; only if all allow does the
    /// write run for real. A write that lands between the two runs is not reviewed again.
    /// </summary>
    private static async Task<JsonObject> AdmittedAsync(HttpContext ctx, ClusterState state, Target target, string? name, JsonNode? body,
        Func<JsonNode?, bool, JsonObject> write, bool dryRun)
    {
        if (!Reviewed(state, target)) return write(body, dryRun);
        var old = name is null ? null : Current(state, target, name);
        var next = write(body?.DeepClone(), true);
        await AdmitAsync(ctx, state, target, old is null ? "CREATE" : "UPDATE", next.Name(), next, old, dryRun);
        return write(body, dryRun);
    }

    /// <summary>The object an update starts from (the Scale for /scale), or null when it does not exist yet (apply creates it).</summary>
    private static JsonObject? Current(ClusterState state, Target target, string name)
    {
        try
        {
            return target.Subresource == "scale" ? state.GetScale(target.Resource, target.Namespace, name) : state.TryGet(target.Resource, target.Namespace, name);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// deletecollection as kube-apiserver runs it with its default single worker: item by item, each reviewed as its own
    /// DELETE; the first refusal ends the request with that refusal, and the items deleted before it stay deleted.
    /// </summary>
    private static async Task<List<JsonObject>> DeleteEachAsync(HttpContext ctx, ClusterState state, Target target, List<JsonObject> items, bool dryRun)
    {
        var deleted = new List<JsonObject>();
        foreach (var item in items)
        {
            await AdmitAsync(ctx, state, target, "DELETE", item.Name(), null, item, dryRun);
            try
            {
                state.Delete(target.Resource, item.Namespace(), item.Name(), null, dryRun);
                deleted.Add(item);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // deleted meanwhile by someone else, which the API server ignores too
            }
        }
        return deleted;
    }

    /// <summary>The Eviction as the API server decodes it, its type filled in even when the client left it out.</summary>
    private static JsonObject Eviction(JsonNode? body)
    {
        var eviction = (body as JsonObject)?.Clone() ?? new JsonObject();
        eviction["apiVersion"] ??= "policy/v1";
        eviction["kind"] ??= "Eviction";
        return eviction;
    }

    private static Task AdmitAsync(HttpContext ctx, ClusterState state, Target target, string operation, string name,
        JsonObject? obj, JsonObject? oldObject, bool dryRun)
    {
        var r = target.Resource;
        var ns = r.Namespaced ? obj?.Namespace() ?? oldObject?.Namespace() ?? target.Namespace : null;
        JsonObject? namespaceObject = null;
        if (r == ResourceCatalog.Namespaces && target.Subresource is null) namespaceObject = obj ?? oldObject;
        else if (ns is not null) namespaceObject = state.TryGet(ResourceCatalog.Namespaces, null, ns) ?? new JsonObject();
        var request = new AdmissionRequest(operation, r, target.Subresource, ns, name, obj, oldObject, namespaceObject, dryRun,
            ctx.Request.Headers.UserAgent.ToString());
        return ValidatingAdmission.AdmitAsync(state.Webhooks, state.Cluster.WebhookTokens, request, warning => ctx.Response.Headers.Append("Warning", WarningHeader(warning)), ctx.RequestAborted);
    }

    /// <summary>A warning as kube-apiserver sends it (kubectl prints "Warning: TEXT"): code 299, no agent, quoted, ASCII only.</summary>
    private static string WarningHeader(string text)
    {
        var printable = new string(text.Select(c => c is >= ' ' and <= '~' ? c : ' ').ToArray());
        return $"299 - \"{printable.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
    }

    private static JsonObject Patch(HttpContext ctx, ClusterState state, Target target, string name, string? sub, JsonNode? body, string manager, bool dryRun)
    {
        var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
        if (contentType == "application/apply-patch+yaml")
        {
            var force = ctx.Request.Query["force"] == "true";
            var explicitManager = ctx.Request.Query["fieldManager"].ToString();
            return state.Apply(target.Resource, target.Namespace, name, RequireObject(body), explicitManager, force, dryRun);
        }
        if (sub == "scale")
        {
            var scale = state.GetScale(target.Resource, target.Namespace, name);
            if (contentType == "application/json-patch+json" && body is JsonArray ops) Patches.JsonPatch(scale, ops);
            else Patches.Merge(scale, RequireObject(body), strategic: false);
            return state.SetScale(target.Resource, target.Namespace, name, scale.Long("spec", "replicas") ?? 1, manager, dryRun);
        }
        return state.Patch(target.Resource, target.Namespace, name, contentType, body, manager, dryRun, sub);
    }

    private static async Task ListAsync(HttpContext ctx, ClusterState state, Target target, bool table, string includeObject)
    {
        var query = ctx.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 0;
        string? continueKey = null;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            try { continueKey = Encoding.UTF8.GetString(Convert.FromBase64String(token)); }
            catch (FormatException) { throw ApiException.BadRequest("continue key is not valid"); }
        }
        var page = state.List(target.Resource, target.Namespace, Selector.ParseLabels(query["labelSelector"]),
            Selector.ParseFields(query["fieldSelector"]), limit, continueKey);
        var next = page.Continue is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(page.Continue));
        if (table)
        {
            await WriteAsync(ctx, Tables.Render(target.Resource, page.Items, page.ResourceVersion, next, page.Remaining, true, includeObject));
            return;
        }
        await WriteListAsync(ctx, target.Resource, page with { Continue = next });
    }

    /// <summary>Lists are written item by item: stored objects are shared and must not be re-parented into a new array.</summary>
    private static async Task WriteListAsync(HttpContext ctx, ApiResource r, ClusterState.Page page)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", r.Kind + "List");
            writer.WriteString("apiVersion", r.GroupVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", page.ResourceVersion);
            if (page.Continue is not null) writer.WriteString("continue", page.Continue);
            if (page.Remaining is { } remaining) writer.WriteNumber("remainingItemCount", remaining);
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var item in page.Items) item.WriteTo(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        await WriteBytesAsync(ctx, buffer.WrittenMemory, 200);
    }

    public static async Task WriteAsync(HttpContext ctx, JsonNode body, int status = 200)
    {
        var code = body is JsonObject o && o.Str("kind") == "Status" && o.Long("code") is { } c && c >= 400 ? (int)c : status;
        await WriteBytesAsync(ctx, Json.Serialize(body), code);
    }

    private static async Task WriteBytesAsync(HttpContext ctx, ReadOnlyMemory<byte> bytes, int status)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes);
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : Yaml.ParseBody(text);
    }

    private static JsonObject RequireObject(JsonNode? body) =>
        body as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON or YAML object");

    private static void RequireNamespace(Target target)
    {
        if (target.Resource.Namespaced && target.Namespace is null)
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    /// <summary>Like the API server: without ?fieldManager, the manager is the user agent's program name ("kubectl").</summary>
    private static string DefaultManager(HttpContext ctx)
    {
        var agent = ctx.Request.Headers.UserAgent.ToString();
        var name = agent.Split('/', ' ')[0];
        return name.Length > 0 ? name : "unknown";
    }
}
