using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Rollouts;

/// <summary>How many pods a workload wants, and how many run its current template, are ready, are available.</summary>
public sealed record WorkloadCounts(int Desired, int Updated, int Ready, int Available)
{
    /// <summary>A StatefulSet's rolling-update partition: pods with an ordinal below it keep the old revision on purpose.</summary>
    public int Partition { get; init; }

    /// <summary>How many pods the rollout updates: all of them, less those a partition keeps back.</summary>
    public int ToUpdate => Math.Max(0, Desired - Partition);
}

/// <summary>A StatefulSet's revisions: the one its pods run, and the one it rolls them to.</summary>
public sealed record Revisions(string? Current, string? Update)
{
    public bool Settled => Update is null || Current == Update;
}

/// <summary>What the cluster says about one object right now.</summary>
public sealed record LiveObject(
    ObjectRef Ref,
    IReadOnlyDictionary<string, string> Annotations,
    long Generation,
    long? ObservedGeneration,
    WorkloadCounts? Counts,
    IReadOnlyList<string> Images)
{
    /// <summary>Set when the controller reports that the rollout stopped progressing (a Deployment's Progressing=False), in its words.</summary>
    public string? Stalled { get; init; }

    /// <summary>A StatefulSet's current and update revisions; null for other kinds.</summary>
    public Revisions? Revisions { get; init; }

    /// <summary>
    /// Reads an object as the API server returns it. <see cref="Counts"/> is filled for the kinds
    /// <see cref="ConvergenceRules.IsWorkload"/> tracks; a missing count is 0, because the API omits zero counts.
    /// </summary>
    public static LiveObject FromJson(string json)
    {
        var obj = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A Kubernetes object must be a JSON object.");
        var metadata = obj["metadata"] as JsonObject;
        var status = obj["status"] as JsonObject;
        var kind = Text(obj["kind"]) ?? "";
        var reference = new ObjectRef(Text(obj["apiVersion"]) ?? "", kind, Text(metadata?["name"]) ?? "", Text(metadata?["namespace"]));
        var annotations = (metadata?["annotations"] as JsonObject ?? [])
            .ToDictionary(a => a.Key, a => Text(a.Value) ?? a.Value?.ToJsonString() ?? "", StringComparer.Ordinal);
        return new LiveObject(
            reference,
            annotations,
            Number(metadata?["generation"]) ?? 0,
            Number(status?["observedGeneration"]),
            CountsOf(kind, obj["spec"] as JsonObject, status),
            Kinds.ImagesOf(kind, obj).ToList())
        {
            Stalled = StalledReason(status),
            Revisions = kind == "StatefulSet" ? new Revisions(Text(status?["currentRevision"]), Text(status?["updateRevision"])) : null,
        };
    }

    private static WorkloadCounts? CountsOf(string kind, JsonObject? spec, JsonObject? status)
    {
        int Count(JsonObject? from, string field, int missing = 0) => (int)(Number(from?[field]) ?? missing);
        return kind switch
        {
            // spec.replicas defaults to 1 when the manifest leaves it out.
            "Deployment" => new WorkloadCounts(Count(spec, "replicas", missing: 1),
                Count(status, "updatedReplicas"), Count(status, "readyReplicas"), Count(status, "availableReplicas")),
            "StatefulSet" => new WorkloadCounts(Count(spec, "replicas", missing: 1),
                Count(status, "updatedReplicas"), Count(status, "readyReplicas"), Count(status, "availableReplicas"))
            {
                Partition = (spec?["updateStrategy"]?["rollingUpdate"] as JsonObject)?["partition"] is { } partition ? (int)(Number(partition) ?? 0) : 0,
            },
            "DaemonSet" => new WorkloadCounts(Count(status, "desiredNumberScheduled"),
                Count(status, "updatedNumberScheduled"), Count(status, "numberReady"), Count(status, "numberAvailable")),
            _ => null,
        };
    }

    private static string? StalledReason(JsonObject? status)
    {
        var progressing = (status?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(c => Text(c["type"]) == "Progressing" && Text(c["status"]) == "False");
        if (progressing is null) return null;
        return Text(progressing["message"]) is { Length: > 0 } message
            ? $"{Text(progressing["reason"]) ?? "Progressing=False"}: {message}"
            : Text(progressing["reason"]) ?? "Progressing=False";
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;

    private static long? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
}
