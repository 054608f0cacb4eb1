namespace AsiOpsPortal.Core.Risk;

/// <summary>How one built-in rule runs here: on or off, blocking or warning, its parameters, and the clusters it looks at.</summary>
public class RiskRuleSetting
{
    /// <summary>The built-in rule's name; settings naming no built-in rule are ignored.</summary>
    public required string Rule { get; set; }
    public bool Enabled { get; set; } = true;
    public RuleSeverity Severity { get; set; }
    /// <summary>Cluster selector for the clusters the rule considers; empty means every planned cluster.</summary>
    public string Scope { get; set; } = "";
    public Dictionary<string, string> Parameters { get; set; } = [];
    public string UpdatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}
