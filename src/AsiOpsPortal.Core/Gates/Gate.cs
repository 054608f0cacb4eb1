namespace AsiOpsPortal.Core.Gates;

/// <summary>
/// An outside system the portal asks before a change starts, before each wave, or after each wave (a business check, an
/// E2E suite). It answers over HTTP: 2xx lets the rollout on, 4xx stops it with the system's own message.
/// </summary>
public class Gate
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public required string Url { get; set; }
    /// <summary>Request headers (often a bearer token), as JSON encrypted with Data Protection; never shown again after saving.</summary>
    public string? EncryptedHeaders { get; set; }
    /// <summary>The header names only, so people can see what is sent without seeing the secrets.</summary>
    public List<string> HeaderNames { get; set; } = [];
    public GateStage Stage { get; set; }
    /// <summary>Cluster selector (pipeline syntax); the gate is asked when the change or wave holds a matching cluster. Empty: always.</summary>
    public string? Scope { get; set; }
    public int TimeoutSeconds { get; set; } = GateRules.DefaultTimeoutSeconds;
    /// <summary>Further attempts after a 5xx answer or a timeout, with growing pauses between them.</summary>
    public int Retries { get; set; } = GateRules.DefaultRetries;
    public bool Enabled { get; set; } = true;
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

public enum GateStage
{
    BeforeChange,
    BeforeWave,
    AfterWave,
}

/// <summary>One gate asked at one point of one change: every attempt's outcome summed up, kept as the change's record.</summary>
public class GateCall
{
    public long Id { get; set; }
    public long ChangeId { get; set; }
    public Guid GateId { get; set; }
    public required string GateName { get; set; }
    public GateStage Stage { get; set; }
    /// <summary>The wave asked about; null before the change starts.</summary>
    public int? Wave { get; set; }
    public GateOutcome Outcome { get; set; }
    public int Attempts { get; set; }
    /// <summary>The last answer's HTTP status; null when no answer came.</summary>
    public int? StatusCode { get; set; }
    /// <summary>What people read: the gate's own message, or why it could not be asked.</summary>
    public string Message { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
}

public enum GateOutcome
{
    Passed,
    Failed,
}
