using System.Text.Json.Serialization;

namespace AsiOpsPortal.Core.Risk;

// Stored by name inside the change's jsonb, so reordering the members never changes what old findings mean.
[JsonConverter(typeof(JsonStringEnumConverter<RuleSeverity>))]
public enum RuleSeverity
{
    Warning,
    Blocking,
}

/// <summary>What one rule found wrong with a proposal, in words the proposer can act on.</summary>
public sealed class RiskFinding
{
    public string Rule { get; set; } = "";
    public RuleSeverity Severity { get; set; }
    public string Message { get; set; } = "";
}

/// <summary>
/// What the risk check recorded on a change: its findings, why it has its risk level, and an Admin's override of blocking
/// findings (for the revision it was given to; an edit asks again).
/// </summary>
public sealed class RiskReport
{
    public List<RiskFinding> Findings { get; set; } = [];
    public List<string> Reasons { get; set; } = [];
    public RiskOverride? Override { get; set; }

    [JsonIgnore]
    public bool IsBlocked => Findings.Any(f => f.Severity == RuleSeverity.Blocking);
}

public sealed class RiskOverride
{
    public string By { get; set; } = "";
    public string Reason { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public int Revision { get; set; }
}
