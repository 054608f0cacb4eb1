using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            if (!ctx.Response.HasStarted) await WriteAsync(ctx, e.ToStatus(), e.Code);
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

        var dryRun = query["dryRun"] == "All";
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
                await WriteAsync(ctx, state.Create(target.Resource, target.Namespace, RequireObject(body), manager, dryRun), 201);
                return;
            case ("POST", { } name, "eviction") when target.Resource == ResourceCatalog.Pods:
                await WriteAsync(ctx, Disruption.Evict(state, target.Namespace!, name, dryRun), 201);
                return;
            case ("PUT", { } name, "scale"):
                await WriteAsync(ctx, state.SetScale(target.Resource, target.Namespace, name, RequireObject(body).Long("spec", "replicas") ?? 1, manager, dryRun));
                return;
            case ("PUT", { } name, null or "status"):
                await WriteAsync(ctx, state.Replace(target.Resource, target.Namespace, name, RequireObject(body), manager, dryRun, target.Subresource));
                return;
            case ("PATCH", { } name, var sub):
                await WriteAsync(ctx, Patch(ctx, state, target, name, sub, body, manager, dryRun));
                return;
            case ("DELETE", null, null):
            {
                var deleted = state.DeleteCollection(target.Resource, target.Namespace, Selector.ParseLabels(query["labelSelector"]),
                    Selector.ParseFields(query["fieldSelector"]), dryRun);
                await WriteListAsync(ctx, target.Resource, new ClusterState.Page(deleted, state.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null));
                return;
            }
            case ("DELETE", { } name, null):
                await WriteAsync(ctx, state.Delete(target.Resource, target.Namespace, name, body as JsonObject, dryRun));
                return;
            default:
                throw new ApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
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
