using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Web.Changes;

namespace AsiOpsPortal.Web.Risk;

/// <summary>One finding as the API and pages show it: <c>{ rule, severity: "blocking" | "warning", message }</c>.</summary>
public sealed record RiskFindingView(string Rule, string Severity, string Message)
{
    public bool Blocking => Severity == RiskViewText.Blocking;

    public static RiskFindingView Of(RiskFinding finding) => new(finding.Rule, RiskViewText.Of(finding.Severity), finding.Message);
}

public sealed record RiskOverrideView(string By, string Reason, DateTimeOffset At);

/// <summary>A built-in rule with its settings as they apply now (stored, or the defaults).</summary>
public sealed record RiskRuleView(
    string Name,
    string Title,
    bool Enabled,
    string Severity,
    string Scope,
    IReadOnlyList<RuleParameterView> Parameters,
    string DefaultSeverity,
    string DefaultScope,
    string UpdatedBy,
    DateTimeOffset? UpdatedAt);

public sealed record RuleParameterView(string Name, string Value, string Default, string Description);

/// <summary>Body of <c>PUT /api/v1/risk-rules/{name}</c>: what is left out keeps its current value.</summary>
public sealed record RiskRuleUpdate(bool? Enabled, string? Severity, Dictionary<string, string>? Parameters, string? Scope);

public static class RiskViewText
{
    public const string Blocking = "blocking";
    public const string Warning = "warning";

    public static string Of(RuleSeverity severity) => severity == RuleSeverity.Blocking ? Blocking : Warning;

    public static RuleSeverity? ParseSeverity(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        Blocking => RuleSeverity.Blocking,
        Warning => RuleSeverity.Warning,
        _ => null,
    };
}

/// <summary>A proposal or edit stopped by blocking risk findings: 422 with the findings, unless an Admin overrides with a reason.</summary>
/// <remarks>Carries the preview of the refused change, so a form can show the plan and findings it was refused for.</remarks>
public sealed class RiskBlockedException(ChangeDetail preview)
    : Exception($"Blocked by risk rules: {string.Join(" ", preview.Findings.Where(f => f.Blocking).Select(f => f.Message))} An Admin may override with a reason.")
{
    public ChangeDetail Preview { get; } = preview;
    public IReadOnlyList<RiskFindingView> Findings => Preview.Findings;
}
