using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Core.Gates;

/// <summary>
/// The JSON body a gate receives (camelCase on the wire). Documented in docs/gates.md; gates written against it rely on
/// every field keeping its name and meaning.
/// </summary>
public sealed record GatePayload(
    string Gate,
    string Stage,
    GatePayload.ChangePart Change,
    GatePayload.WavePart? Wave,
    IReadOnlyList<GatePayload.ClusterPart> Clusters)
{
    public sealed record ChangePart(long Id, int Revision, string Title, string RequestedBy, string RiskLevel, string? Component, string? Version, string Pipeline);

    public sealed record WavePart(int Index, string Name, int Count);

    /// <summary>A cluster asked about, with the version it ran before this change (null: none or unknown).</summary>
    public sealed record ClusterPart(string Name, string Environment, string? FromVersion, string? ToVersion);

    /// <summary>The body for <paramref name="gate"/> at <paramref name="stage"/>: one wave's clusters, or every planned cluster before the change starts.</summary>
    public static GatePayload For(Gate gate, GateStage stage, Change change, int? wave)
    {
        var waves = change.Plan.Waves;
        var clusters = wave is { } index ? waves[index].Clusters : waves.SelectMany(w => w.Clusters).ToList();
        return new GatePayload(
            gate.Name,
            StageName(stage),
            new ChangePart(change.Id, change.Revision, change.Title, change.RequestedBy, change.RiskLevel.ToString(), change.ComponentName, change.Version, change.PipelineName),
            wave is { } i ? new WavePart(i, waves[i].Name, waves[i].Clusters.Count) : null,
            clusters.Select(c => new ClusterPart(c.Name, c.Environment, c.PreviousVersion, change.Version)).ToList());
    }

    /// <summary>Stage names as the API and the payload spell them.</summary>
    public static string StageName(GateStage stage) => stage switch
    {
        GateStage.BeforeChange => "beforeChange",
        GateStage.BeforeWave => "beforeWave",
        _ => "afterWave",
    };

    public static GateStage? ParseStage(string? text) => text?.Trim() switch
    {
        "beforeChange" => GateStage.BeforeChange,
        "beforeWave" => GateStage.BeforeWave,
        "afterWave" => GateStage.AfterWave,
        _ => null,
    };
}
