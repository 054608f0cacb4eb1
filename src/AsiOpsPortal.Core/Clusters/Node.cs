namespace AsiOpsPortal.Core.Clusters;

/// <summary>One node of a cluster as of the last inventory sync.</summary>
public class Node
{
    public long Id { get; set; }
    public Guid ClusterId { get; set; }
    public required string Name { get; set; }
    public string Pool { get; set; } = "";
    public bool Ready { get; set; }
    public bool Schedulable { get; set; } = true;
    public string KubeletVersion { get; set; } = "";
    public List<NodeCondition> Conditions { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];
    /// <summary><see cref="NodeRules.Fingerprint"/> of the fields above, as last synced.</summary>
    public long Fingerprint { get; set; }
    public DateTimeOffset SyncedAt { get; set; }
}

public record NodeCondition(string Type, string Status, string? Reason, string? Message);
