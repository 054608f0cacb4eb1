using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;

namespace AsiOpsPortal.FleetSim.Store;

/// <summary>The write verbs of the API server, each one atomic under the cluster lock.</summary>
internal sealed partial class ClusterState
{
    public JsonObject Create(ApiResource r, string? ns, JsonObject body, string manager, bool dryRun)
    {
        lock (Gate)
        {
            var meta = body.Meta();
            PlaceInNamespace(r, ns, body);
            if (string.IsNullOrEmpty(meta.Str("name")))
            {
                var prefix = meta.Str("generateName") ?? throw new ApiException(422, "Invalid", $"{r.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
                meta["name"] = prefix + Json.Suffix(5, prefix, resourceVersion.ToString());
            }
            var name = body.Name();
            if (Find(r, ns, name) is not null) throw ApiException.AlreadyExists(r.Qualified, name);
            RequireNamespace(r, ns);
            var managers = FieldOwnership.Update(null, body, StoredObject.NoManagers, manager, Now, r.GroupVersion);
            return Commit(r, null, body, managers, dryRun);
        }
    }

    public JsonObject Replace(ApiResource r, string? ns, string name, JsonObject body, string manager, bool dryRun, string? subresource)
    {
        lock (Gate)
        {
            var old = Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name);
            if (body.Name() != name) throw ApiException.BadRequest($"the name of the object ({body.Name()}) does not match the name on the URL ({name})");
            CheckVersion(r, old, body.Str("metadata", "resourceVersion"));
            PlaceInNamespace(r, ns, body);
            var next = subresource == "status" ? WithStatusOf(old.Object, body) : WithStatusOf(body, old.Object);
            var managers = subresource == "status" ? old.Managers : FieldOwnership.Update(old.Object, next, old.Managers, manager, Now, r.GroupVersion);
            return Commit(r, old, next, managers, dryRun);
        }
    }

    public JsonObject Patch(ApiResource r, string? ns, string name, string contentType, JsonNode? patch, string manager, bool dryRun, string? subresource)
    {
        lock (Gate)
        {
            var old = Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name);
            var next = old.Object.Clone();
            switch (contentType)
            {
                case "application/json-patch+json" when patch is JsonArray ops:
                    Patches.JsonPatch(next, ops);
                    break;
                case "application/merge-patch+json" when patch is JsonObject p:
                    Patches.Merge(next, p, strategic: false);
                    break;
                case "application/strategic-merge-patch+json" when patch is JsonObject p:
                    Patches.Merge(next, p, strategic: true);
                    break;
                default:
                    throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
            }
            CheckVersion(r, old, next.Str("metadata", "resourceVersion"));
            if (subresource == "status") next = WithStatusOf(old.Object, next);
            var managers = FieldOwnership.Update(old.Object, next, old.Managers, manager, Now, r.GroupVersion);
            return Commit(r, old, next, managers, dryRun);
        }
    }

    /// <summary>Server-side apply: creates the object if missing, otherwise merges with field ownership and conflict detection.</summary>
    public JsonObject Apply(ApiResource r, string? ns, string name, JsonObject applied, string? manager, bool force, bool dryRun)
    {
        if (string.IsNullOrEmpty(manager)) throw ApiException.BadRequest("PATCH, fieldManager is required for apply requests");
        if (applied.Str("apiVersion") is null || applied.Str("kind") is null)
            throw ApiException.BadRequest("apiVersion and kind must be set in an apply request");
        if (applied.Name() is { Length: > 0 } bodyName && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        lock (Gate)
        {
            var old = Find(r, ns, name);
            PlaceInNamespace(r, ns, applied);
            if (old is null) RequireNamespace(r, ns);
            applied.Meta()["name"] = name;
            var (merged, managers) = FieldOwnership.Apply(old?.Object, old?.Managers ?? StoredObject.NoManagers, applied, manager, force, Now, r.GroupVersion);
            return Commit(r, old, merged, managers, dryRun);
        }
    }

    public JsonObject Delete(ApiResource r, string? ns, string name, JsonObject? options, bool dryRun)
    {
        lock (Gate)
        {
            var old = Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name);
            if (options.Str("preconditions", "uid") is { } uid && uid != old.Object.Str("metadata", "uid"))
                throw new ApiException(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {old.Object.Str("metadata", "uid")}");
            CheckVersion(r, old, options.Str("preconditions", "resourceVersion"));
            var orphan = options.Str("propagationPolicy") == "Orphan" || options.Bool("orphanDependents");
            var presented = Present(r, old.Object);
            if (!dryRun) Remove(r, old.Object, orphan);
            if (r.StoreKey != ResourceCatalog.Pods.StoreKey)
            {
                var details = Status.Details(r.Qualified, name);
                details["uid"] = old.Object.Str("metadata", "uid");
                return Status.Success(200, details);
            }
            // Pods are deleted gracefully in a real cluster: the response is the pod, marked for deletion.
            var terminating = presented.Clone();
            terminating.Meta()["deletionTimestamp"] = Json.Time(Now);
            terminating.Meta()["deletionGracePeriodSeconds"] = 0;
            return terminating;
        }
    }

    public List<JsonObject> DeleteCollection(ApiResource r, string? ns, Selector labels, Selector fields, bool dryRun)
    {
        lock (Gate)
        {
            var doomed = Scan(r, ns).Select(e => Present(r, e.Object)).Where(o => labels.Matches(o) && fields.Matches(o)).ToList();
            if (!dryRun)
            {
                foreach (var obj in doomed) Remove(r, Find(r, obj.Namespace(), obj.Name())?.Object ?? obj);
            }
            return doomed;
        }
    }

    /// <summary>The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet.</summary>
    public JsonObject GetScale(ApiResource r, string? ns, string name)
    {
        lock (Gate) return ScaleOf((Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name)).Object);
    }

    private static JsonObject ScaleOf(JsonObject obj)
    {
        var labels = string.Join(",", Json.StringMap(obj.At("spec", "selector", "matchLabels")).Select(kv => $"{kv.Key}={kv.Value}"));
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = obj.Name(),
                ["namespace"] = obj.Namespace(),
                ["uid"] = obj.Str("metadata", "uid"),
                ["resourceVersion"] = obj.Str("metadata", "resourceVersion"),
                ["creationTimestamp"] = obj.Str("metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj.Long("spec", "replicas") ?? 1 },
            ["status"] = new JsonObject { ["replicas"] = obj.Long("status", "replicas") ?? 0, ["selector"] = labels },
        };
    }

    public JsonObject SetScale(ApiResource r, string? ns, string name, long replicas, string manager, bool dryRun)
    {
        lock (Gate)
        {
            var old = Find(r, ns, name) ?? throw ApiException.NotFound(r.Qualified, name);
            var next = old.Object.Clone();
            next.Child("spec")["replicas"] = replicas;
            var managers = FieldOwnership.Update(old.Object, next, old.Managers, manager, Now, r.GroupVersion);
            return ScaleOf(Commit(r, old, next, managers, dryRun)); // a dry run shows the scale it would set
        }
    }

    /// <summary>Like the API server, objects are created only in a namespace that exists; it is never created for them.</summary>
    private void RequireNamespace(ApiResource r, string? ns)
    {
        if (r.Namespaced && ns is not null && Find(ResourceCatalog.Namespaces, null, ns) is null)
            throw ApiException.NotFound(ResourceCatalog.Namespaces.Qualified, ns);
    }

    private static void PlaceInNamespace(ApiResource r, string? ns, JsonObject body)
    {
        var meta = body.Meta();
        if (!r.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }
        if (meta.Str("namespace") is { Length: > 0 } given && given != ns)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = ns;
    }

    private static void CheckVersion(ApiResource r, StoredObject old, string? expected)
    {
        if (string.IsNullOrEmpty(expected) || expected == old.Object.Str("metadata", "resourceVersion")) return;
        throw new ApiException(409, "Conflict",
            $"Operation cannot be fulfilled on {r.Qualified} \"{old.Object.Name()}\": the object has been modified; please apply your changes to the latest version and try again",
            Status.Details(r.Qualified, old.Object.Name()));
    }

    /// <summary><paramref name="body"/> with the status of <paramref name="statusSource"/>: the main resource and /status each own their half.</summary>
    private static JsonObject WithStatusOf(JsonObject body, JsonObject statusSource)
    {
        var result = body.Clone();
        if (statusSource["status"] is { } status) result["status"] = status.DeepClone();
        else result.Remove("status");
        return result;
    }
}
