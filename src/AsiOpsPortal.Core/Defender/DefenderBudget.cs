using System.Text.Json.Serialization;

namespace AsiOpsPortal.Core.Defender;

/// <summary>
/// A limit on destructive operations (deletes, evictions, scale-to-zero) over part of the fleet: every request that falls in
/// it spends one token in each of its windows, and a request that finds a window empty is refused (or, in shadow mode,
/// recorded as one that would have been).
/// </summary>
public class DefenderBudget
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public BudgetScope Scope { get; set; } = new();
    /// <summary>Kubernetes resource names, lower-case plural as in URLs: "pods", "deployments".</summary>
    public List<string> Resources { get; set; } = [];
    /// <summary>Any of <see cref="DefenderVerbs.All"/>.</summary>
    public List<string> Verbs { get; set; } = [];
    /// <summary>Tokens per window, keyed by a <see cref="BudgetWindows"/> name ("1m", "5m", "1h", "24h"); any subset.</summary>
    public Dictionary<string, int> Limits { get; set; } = [];
    public BreakerSettings Breaker { get; set; } = new();
    public BudgetMode Mode { get; set; } = BudgetMode.Enforce;
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// Which requests a budget covers. Each non-empty list must match (any of its values); an empty list matches everything,
/// so an empty scope is the whole fleet. Labels (of the cluster) must all be present with the given values.
/// </summary>
public sealed class BudgetScope
{
    public List<string> Environments { get; set; } = [];
    /// <summary>Cluster names.</summary>
    public List<string> Clusters { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];
    public List<string> Namespaces { get; set; } = [];

    [JsonIgnore]
    public bool IsWholeFleet => Environments.Count == 0 && Clusters.Count == 0 && Labels.Count == 0 && Namespaces.Count == 0;

    public override string ToString()
    {
        if (IsWholeFleet) return "the whole fleet";
        var parts = new List<string>();
        if (Environments.Count > 0) parts.Add($"environment {string.Join("/", Environments)}");
        if (Clusters.Count > 0) parts.Add($"clusters {string.Join(", ", Clusters)}");
        if (Labels.Count > 0) parts.Add($"labels {string.Join(", ", Labels.Select(l => $"{l.Key}={l.Value}"))}");
        if (Namespaces.Count > 0) parts.Add($"namespaces {string.Join(", ", Namespaces)}");
        return string.Join("; ", parts);
    }
}

public sealed class BreakerSettings
{
    /// <summary>A request refused because a window is empty opens the breaker: then everything destructive in scope is refused.</summary>
    public bool TripOnExhaustion { get; set; }
    /// <summary>
    /// This many refusals by the budget within <see cref="RefusalWindow"/> open the breaker; 0: off. Unlike a single
    /// exhaustion, a run of refusals says a client keeps pushing against the limit.
    /// </summary>
    public int TripAfterRefusals { get; set; }
    /// <summary>The sliding window (a <see cref="BudgetWindows"/> name) refusals are counted in.</summary>
    public string RefusalWindow { get; set; } = "1m";
    /// <summary>How long an open breaker stays open before it closes by itself; 0: until a person closes it.</summary>
    public int CoolDownMinutes { get; set; }

    /// <summary>Whether anything opens the breaker.</summary>
    [JsonIgnore]
    public bool Armed => TripOnExhaustion || TripAfterRefusals > 0;
}

public enum BudgetMode
{
    /// <summary>An empty window refuses the request.</summary>
    Enforce,
    /// <summary>Decide and record as if enforcing, never refuse: how SREs tune a budget before enforcing it.</summary>
    Shadow,
}

/// <summary>
/// What the portal keeps per budget (or agent limit) between requests: the spends each window may still count (ascending
/// UTC ticks, at most as many as the window's limit) and the breaker. Written only by the defender's store, under the row's lock.
/// </summary>
public class DefenderState
{
    /// <summary>The budget's or agent limit's id.</summary>
    public Guid Id { get; set; }
    public Dictionary<string, List<long>> Spends { get; set; } = [];
    /// <summary>When the breaker last opened; it is open while its cool-down has not passed (or forever with none).</summary>
    public DateTimeOffset? BreakerOpenedAt { get; set; }
    public string BreakerCause { get; set; } = "";
}

/// <summary>The destructive verbs the defender reviews.</summary>
public static class DefenderVerbs
{
    public const string Delete = "delete";
    public const string Eviction = "eviction";
    /// <summary>An update that sets a workload's replicas to zero: a delete of its pods in all but name.</summary>
    public const string ScaleToZero = "scale-to-zero";

    public static readonly IReadOnlyList<string> All = [Delete, Eviction, ScaleToZero];
}

/// <summary>
/// A rate limit on one kind of client: requests per second from user agents matching <see cref="Pattern"/> ('*' matches
/// any run of characters, case-insensitive), for one resource and verb ('*' for any). Catches a runaway controller or script
/// before it spends the fleet's budgets; over the limit it is told 429 and when to retry.
/// </summary>
public class DefenderAgentLimit
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Pattern { get; set; }
    public string Resource { get; set; } = "*";
    public string Verb { get; set; } = "*";
    public int PerSecond { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One decision on one request, kept for the retention period: who did what where, and what the defender said. No request body.</summary>
public class DefenderDecision
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string User { get; set; } = "";
    public string UserAgent { get; set; } = "";
    public string Verb { get; set; } = "";
    public string Resource { get; set; } = "";
    public string? Namespace { get; set; }
    public string Name { get; set; } = "";
    public string Cluster { get; set; } = "";
    public bool Allowed { get; set; }
    /// <summary>200, 403 (a budget or breaker) or 429 (an agent limit).</summary>
    public int Code { get; set; }
    /// <summary>The budget that refused, or that would have in shadow mode.</summary>
    public string? Budget { get; set; }
    public string? Window { get; set; }
    public bool WouldRefuse { get; set; }
    public string Message { get; set; } = "";
}
