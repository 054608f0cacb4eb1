using System.Globalization;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>
/// meta.k8s.io/v1 Table responses: the server decides the columns kubectl prints. Columns mirror the real API server's
/// printers for the common kinds; everything else gets NAME and AGE. Priority 1 columns show only with -o wide.
/// </summary>
internal static class Tables
{
    private sealed record Column(string Name, string Type, int Priority, string Description, Func<JsonObject, DateTimeOffset, JsonNode?> Cell);

    private static readonly Column NameColumn = new("Name", "string", 0, "Name must be unique within a namespace.", (o, _) => o.Name());
    private static readonly Column AgeColumn = new("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.",
        (o, now) => Age(o.Str("metadata", "creationTimestamp"), now));

    private static Column Text(string name, Func<JsonObject, string?> cell, int priority = 0) =>
        new(name, "string", priority, name, (o, _) => cell(o) ?? "<none>");

    private static Column Number(string name, Func<JsonObject, long?> cell, int priority = 0) =>
        new(name, "integer", priority, name, (o, _) => cell(o) ?? 0);

    private static Column[] ColumnsFor(ApiResource r) => r.Kind switch
    {
        "Node" =>
        [
            NameColumn,
            Text("Status", NodeStatus),
            Text("Roles", NodeRoles),
            AgeColumn,
            Text("Version", o => o.Str("status", "nodeInfo", "kubeletVersion")),
            Text("Internal-IP", o => Address(o, "InternalIP"), 1),
            Text("External-IP", o => Address(o, "ExternalIP"), 1),
            Text("OS-Image", o => o.Str("status", "nodeInfo", "osImage"), 1),
            Text("Kernel-Version", o => o.Str("status", "nodeInfo", "kernelVersion"), 1),
            Text("Container-Runtime", o => o.Str("status", "nodeInfo", "containerRuntimeVersion"), 1),
        ],
        "Pod" =>
        [
            NameColumn,
            Text("Ready", o => $"{Containers(o, "containerStatuses").Count(c => c.Bool("ready"))}/{(o.At("spec", "containers") as JsonArray)?.Count ?? 0}"),
            Text("Status", PodStatus),
            new("Restarts", "string", 0, "Restarts", (o, _) => Containers(o, "containerStatuses").Sum(c => c.Long("restartCount") ?? 0).ToString(CultureInfo.InvariantCulture)),
            AgeColumn,
            Text("IP", o => o.Str("status", "podIP"), 1),
            Text("Node", o => o.Str("spec", "nodeName"), 1),
            Text("Nominated Node", o => o.Str("status", "nominatedNodeName"), 1),
            Text("Readiness Gates", _ => null, 1),
        ],
        "Deployment" =>
        [
            NameColumn,
            Text("Ready", o => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 1}"),
            Number("Up-to-date", o => o.Long("status", "updatedReplicas")),
            Number("Available", o => o.Long("status", "availableReplicas")),
            AgeColumn,
            Text("Containers", o => ContainerField(o, "name"), 1),
            Text("Images", o => ContainerField(o, "image"), 1),
            Text("Selector", o => SelectorText(o.At("spec", "selector", "matchLabels")), 1),
        ],
        "DaemonSet" =>
        [
            NameColumn,
            Number("Desired", o => o.Long("status", "desiredNumberScheduled")),
            Number("Current", o => o.Long("status", "currentNumberScheduled")),
            Number("Ready", o => o.Long("status", "numberReady")),
            Number("Up-to-date", o => o.Long("status", "updatedNumberScheduled")),
            Number("Available", o => o.Long("status", "numberAvailable")),
            Text("Node Selector", o => SelectorText(o.At("spec", "template", "spec", "nodeSelector"))),
            AgeColumn,
            Text("Containers", o => ContainerField(o, "name"), 1),
            Text("Images", o => ContainerField(o, "image"), 1),
            Text("Selector", o => SelectorText(o.At("spec", "selector", "matchLabels")), 1),
        ],
        "ReplicaSet" =>
        [
            NameColumn,
            Number("Desired", o => o.Long("spec", "replicas") ?? 1),
            Number("Current", o => o.Long("status", "replicas")),
            Number("Ready", o => o.Long("status", "readyReplicas")),
            AgeColumn,
        ],
        "StatefulSet" =>
        [
            NameColumn,
            Text("Ready", o => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 1}"),
            AgeColumn,
        ],
        "PodDisruptionBudget" =>
        [
            NameColumn,
            Text("Min Available", o => o.At("spec", "minAvailable")?.ToString() ?? "N/A"),
            Text("Max Unavailable", o => o.At("spec", "maxUnavailable")?.ToString() ?? "N/A"),
            Number("Allowed Disruptions", o => o.Long("status", "disruptionsAllowed")),
            AgeColumn,
        ],
        "Namespace" => [NameColumn, Text("Status", o => o.Str("status", "phase")), AgeColumn],
        "ValidatingWebhookConfiguration" => [NameColumn, Number("Webhooks", o => (o["webhooks"] as JsonArray)?.Count ?? 0), AgeColumn],
        "ConfigMap" => [NameColumn, Number("Data", o => (o["data"] as JsonObject)?.Count ?? 0), AgeColumn],
        "Service" =>
        [
            NameColumn,
            Text("Type", o => o.Str("spec", "type")),
            Text("Cluster-IP", o => o.Str("spec", "clusterIP")),
            Text("External-IP", _ => null),
            Text("Port(s)", o => string.Join(",", (o.At("spec", "ports") as JsonArray ?? []).Select(p => $"{p.Long("port")}/{p.Str("protocol") ?? "TCP"}"))),
            AgeColumn,
        ],
        _ => [NameColumn, AgeColumn],
    };

    /// <summary>A Table of <paramref name="items"/>; watch events carry one-row tables whose column definitions only the first includes.</summary>
    public static JsonObject Render(ApiResource r, IEnumerable<JsonObject> items, string? resourceVersion, string? continueToken,
        long? remaining, bool includeColumns, string? includeObject)
    {
        var columns = ColumnsFor(r);
        var now = DateTimeOffset.UtcNow;
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray(columns.Select(c => c.Cell(item, now)?.DeepClone()).ToArray());
            rows.Add(new JsonObject { ["cells"] = cells, ["object"] = RowObject(item, includeObject) });
        }
        var metadata = new JsonObject();
        if (resourceVersion is not null) metadata["resourceVersion"] = resourceVersion;
        if (continueToken is not null) metadata["continue"] = continueToken;
        if (remaining is not null) metadata["remainingItemCount"] = remaining;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = includeColumns
                ? new JsonArray(columns.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["type"] = c.Type,
                    ["format"] = c == NameColumn ? "name" : "",
                    ["description"] = c.Description,
                    ["priority"] = c.Priority,
                }).ToArray())
                : new JsonArray(),
            ["rows"] = rows,
        };
    }

    /// <summary>kubectl reads namespace (for -A) and labels (for --show-labels) from the row object.</summary>
    private static JsonNode RowObject(JsonObject item, string? includeObject)
    {
        if (includeObject == "Object") return item.DeepClone();
        var meta = new JsonObject();
        foreach (var field in (string[])["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels", "annotations", "ownerReferences", "deletionTimestamp"])
        {
            if (item.At("metadata", field) is { } value) meta[field] = value.DeepClone();
        }
        return new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = meta };
    }

    private static string NodeStatus(JsonObject node)
    {
        var ready = (node.At("status", "conditions") as JsonArray)?.FirstOrDefault(c => c.Str("type") == "Ready").Str("status");
        var status = ready switch { "True" => "Ready", "False" => "NotReady", _ => "Unknown" };
        if (ready == "Unknown") status = "NotReady";
        return node.Bool("spec", "unschedulable") ? status + ",SchedulingDisabled" : status;
    }

    private static string NodeRoles(JsonObject node)
    {
        var roles = node.Labels().Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(k => k.Length > 0).Order(StringComparer.Ordinal).ToList();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string? Address(JsonObject node, string type) =>
        (node.At("status", "addresses") as JsonArray)?.FirstOrDefault(a => a.Str("type") == type).Str("address");

    private static IEnumerable<JsonNode> Containers(JsonObject pod, string field) =>
        (pod.At("status", field) as JsonArray ?? []).OfType<JsonNode>();

    private static string PodStatus(JsonObject pod)
    {
        if (pod.Str("metadata", "deletionTimestamp") is not null) return "Terminating";
        var waiting = Containers(pod, "containerStatuses").Select(c => c.Str("state", "waiting", "reason")).FirstOrDefault(r => r is not null);
        return waiting ?? pod.Str("status", "reason") ?? pod.Str("status", "phase") ?? "Unknown";
    }

    private static string? ContainerField(JsonObject workload, string field)
    {
        var values = (workload.At("spec", "template", "spec", "containers") as JsonArray ?? []).Select(c => c.Str(field)).OfType<string>().ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }

    private static string? SelectorText(JsonNode? map)
    {
        var labels = Json.StringMap(map);
        return labels.Count == 0 ? null : string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    /// <summary>The API server's human-readable age: 45s, 5m12s, 3h4m, 2d5h, 400d, 3y20d.</summary>
    public static string Age(string? creationTimestamp, DateTimeOffset now)
    {
        if (Json.ParseTime(creationTimestamp) is not { } created) return "<unknown>";
        var d = now - created;
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        var seconds = (long)d.TotalSeconds;
        var minutes = seconds / 60;
        var hours = minutes / 60;
        var days = hours / 24;
        if (seconds < 120) return $"{seconds}s";
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 180) return $"{minutes}m";
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{days}d" : $"{days}d{hours % 24}h";
        if (days < 365 * 2) return $"{days}d";
        if (days < 365 * 8) return days % 365 == 0 ? $"{days / 365}y" : $"{days / 365}y{days % 365}d";
        return $"{days / 365}y";
    }
}
