using System.ComponentModel.DataAnnotations;
using AsiOpsPortal.Core.Defender;

namespace AsiOpsPortal.Web.Defender;

/// <summary>A budget as scripts send it: <c>{name, scope:{environments, clusters, labels, namespaces}, resources, verbs, limits, breaker, mode}</c>.</summary>
public sealed record BudgetRequest(string? Name, BudgetScopeRequest? Scope, List<string>? Resources, List<string>? Verbs,
    Dictionary<string, int>? Limits, BreakerRequest? Breaker, string? Mode);

public sealed record BudgetScopeRequest(List<string>? Environments, List<string>? Clusters, Dictionary<string, string>? Labels, List<string>? Namespaces);

public sealed record BreakerRequest(bool? TripOnExhaustion, int? CoolDownMinutes, int? TripAfterRefusals = null, string? RefusalWindow = null);

public sealed record AgentLimitRequest(string? Pattern, string? Resource, string? Verb, int? PerSecond);

/// <summary>The body of a break-glass: which cluster, for how many minutes, and why (audited, shown on every page).</summary>
public sealed record BreakGlassRequest(string? Cluster, int? Minutes, string? Reason);

/// <summary>A cluster's break-glass that has not ended: the defender allows its destructive requests without spending until <see cref="EndsAt"/>.</summary>
public sealed record BreakGlassView(string Cluster, string Reason, string StartedBy, DateTimeOffset StartedAt, DateTimeOffset EndsAt);

/// <summary>One window of a budget now: tokens used of its limit, and when the next is back if none is left.</summary>
public sealed record WindowView(string Window, int Used, int Limit, DateTimeOffset? RefillsAt);

/// <summary>A budget with its windows and breaker as they stand.</summary>
public sealed record BudgetView(Guid Id, string Name, BudgetScope Scope, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs,
    IReadOnlyDictionary<string, int> Limits, BreakerSettings Breaker, string Mode, IReadOnlyList<WindowView> Windows,
    bool BreakerOpen, DateTimeOffset? BreakerOpenedAt, string? BreakerCause, DateTimeOffset? BreakerClosesAt,
    string CreatedBy, DateTimeOffset CreatedAt, string UpdatedBy, DateTimeOffset UpdatedAt)
{
    public static BudgetView Of(BudgetAccount account, DateTimeOffset now)
    {
        var (b, s) = (account.Budget, account.State);
        var open = AdmissionRules.IsOpen(account, now);
        var windows = b.Limits.OrderBy(l => BudgetWindows.Known[l.Key]).Select(l =>
        {
            var standing = BudgetWindows.Check(s.Spends.GetValueOrDefault(l.Key) ?? [], l.Value, BudgetWindows.Known[l.Key], now);
            return new WindowView(l.Key, standing.Used, l.Value, standing.RefillsAt);
        }).ToList();
        return new BudgetView(b.Id, b.Name, b.Scope, b.Resources, b.Verbs, b.Limits, b.Breaker, b.Mode.ToString().ToLowerInvariant(), windows,
            open, open ? s.BreakerOpenedAt : null, open ? s.BreakerCause : null, open ? AdmissionRules.ClosesAt(account) : null,
            b.CreatedBy, b.CreatedAt, b.UpdatedBy, b.UpdatedAt);
    }
}

public sealed class DefenderOptions
{
    public const string Section = "Defender";

    /// <summary>How long decisions are kept; the cleanup job deletes older ones.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")] public TimeSpan DecisionRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The longest an Admin may lift the defender for one cluster (break-glass).</summary>
    [Range(1, 24 * 60)] public int MaxBreakGlassMinutes { get; set; } = 60;

    /// <summary>When the cleanup job runs (cron).</summary>
    [Required] public string DecisionCleanupCron { get; set; } = "23 * * * *";

    /// <summary>
    /// Where the admission webhook listens (HTTPS, its own certificate), e.g. "https://127.0.0.1:5443"; empty: no listener
    /// (clusters' webhook calls then fail, and with failurePolicy Fail their destructive requests are refused).
    /// </summary>
    public string WebhookListen { get; set; } = "";

    /// <summary>The base URL clusters call, as written in the webhook configuration; empty: <see cref="WebhookListen"/>.</summary>
    public string WebhookUrl { get; set; } = "";

    /// <summary>Host names (besides localhost and the loopback addresses) the webhook certificate is valid for.</summary>
    public List<string> WebhookHostNames { get; set; } = [];

    public string WebhookBaseUrl => (string.IsNullOrEmpty(WebhookUrl) ? WebhookListen : WebhookUrl).TrimEnd('/');
}
