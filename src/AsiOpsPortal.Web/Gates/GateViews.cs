using AsiOpsPortal.Core.Gates;

namespace AsiOpsPortal.Web.Gates;

/// <summary>A gate as submitted: the body of <c>POST /api/v1/gates</c>. Stage: beforeChange, beforeWave or afterWave.</summary>
public sealed record GateDraft(
    string? Name,
    string? Url,
    string? Stage,
    string? Scope = null,
    Dictionary<string, string>? Headers = null,
    int? TimeoutSeconds = null,
    int? Retries = null,
    bool? Enabled = null);

/// <summary>A gate as shown: header names but never their values.</summary>
public sealed record GateView(
    Guid Id,
    string Name,
    string Url,
    string Stage,
    string? Scope,
    IReadOnlyList<string> HeaderNames,
    int TimeoutSeconds,
    int Retries,
    bool Enabled,
    string CreatedBy,
    DateTimeOffset CreatedAt)
{
    public static GateView Of(Gate gate) => new(gate.Id, gate.Name, gate.Url, GatePayload.StageName(gate.Stage), gate.Scope, gate.HeaderNames,
        gate.TimeoutSeconds, gate.Retries, gate.Enabled, gate.CreatedBy, gate.CreatedAt);
}

/// <summary>One gate asked during a change, as the change page and API show it.</summary>
public sealed record GateCallView(
    string Gate,
    string Stage,
    int? Wave,
    string Outcome,
    int Attempts,
    int? StatusCode,
    string Message,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt)
{
    public static GateCallView Of(GateCall call) => new(call.GateName, GatePayload.StageName(call.Stage), call.Wave,
        call.Outcome.ToString().ToLowerInvariant(), call.Attempts, call.StatusCode, call.Message, call.StartedAt, call.FinishedAt);
}
