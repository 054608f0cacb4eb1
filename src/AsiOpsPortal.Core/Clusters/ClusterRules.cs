using System.Text.RegularExpressions;

namespace AsiOpsPortal.Core.Clusters;

/// <summary>Pure rules about clusters: what a valid registration is, and how troubled a cluster is.</summary>
public static partial class ClusterRules
{
    public const int MostCriticalTier = 0;
    public const int LeastCriticalTier = 3;
    public static readonly IReadOnlyList<string> Environments = ["test", "staging", "prod"];

    /// <summary>A sync older than this is itself a kind of trouble: we no longer know the cluster's state.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(15);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\z")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\z")]
    private static partial Regex LabelValue();

    /// <summary>Every problem with the metadata an SRE gave, in words they can act on. Empty when valid.</summary>
    public static IReadOnlyList<string> Validate(string name, string environment, string region, int tier, IReadOnlyDictionary<string, string>? labels)
    {
        var errors = new List<string>();
        if (!DnsLabel().IsMatch(name ?? ""))
            errors.Add("Name must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.");
        if (!Environments.Contains(environment))
            errors.Add($"Environment must be one of: {string.Join(", ", Environments)}.");
        if (string.IsNullOrWhiteSpace(region) || !DnsLabel().IsMatch(region))
            errors.Add("Region is required: lowercase letters, digits or '-' (e.g. cn-hangzhou).");
        if (tier is < MostCriticalTier or > LeastCriticalTier)
            errors.Add($"Tier must be between {MostCriticalTier} (most critical) and {LeastCriticalTier}.");
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (key.Length > 253 || !LabelKey().IsMatch(key))
                errors.Add($"Label key '{key}' is not a valid Kubernetes label key.");
            if (!LabelValue().IsMatch(value ?? ""))
                errors.Add($"Label value '{value}' of '{key}' is not a valid Kubernetes label value.");
        }
        return errors;
    }

    /// <summary>The status a sync observed: reachable with every node ready is healthy; any NotReady node degrades it.</summary>
    public static ClusterStatus StatusFromSync(bool reachable, int nodesTotal, int nodesReady) =>
        !reachable ? ClusterStatus.Unreachable
        : nodesReady < nodesTotal ? ClusterStatus.Degraded
        : ClusterStatus.Healthy;

    /// <summary>
    /// Trouble ordering (lower first): unreachable, then by share of NotReady nodes, then never synced, then healthy.
    /// Stored on the row so the dashboard sorts in SQL; staleness is applied on top at query time.
    /// </summary>
    public static int HealthRank(ClusterStatus status, int nodesTotal, int nodesReady) => status switch
    {
        ClusterStatus.Unreachable => 0,
        ClusterStatus.Degraded => 100 + (nodesTotal == 0 ? 0 : 800 * nodesReady / nodesTotal),
        ClusterStatus.Unknown => 950,
        _ => 1000,
    };

    public static bool IsStale(DateTimeOffset? lastSyncAt, DateTimeOffset now) =>
        lastSyncAt is null || now - lastSyncAt.Value > StaleAfter;

    /// <summary>What a person should read first about a cluster's health.</summary>
    public static string Describe(ClusterStatus status, int nodesTotal, int nodesReady, DateTimeOffset? lastSyncAt, string? lastError, DateTimeOffset now) =>
        status switch
        {
            ClusterStatus.Unreachable => $"Unreachable: {lastError ?? "no answer"}",
            ClusterStatus.Unknown => "Not synced yet",
            _ when IsStale(lastSyncAt, now) => $"Stale: last sync {FormatAge(now - lastSyncAt!.Value)} ago",
            ClusterStatus.Degraded => $"{nodesTotal - nodesReady} of {nodesTotal} nodes NotReady",
            _ => "Healthy",
        };

    public static string FormatAge(TimeSpan age) =>
        age.TotalSeconds < 90 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
        : age.TotalMinutes < 90 ? $"{(int)age.TotalMinutes}m"
        : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
        : $"{(int)age.TotalDays}d";
}
