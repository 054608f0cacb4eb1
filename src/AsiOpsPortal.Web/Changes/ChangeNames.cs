using AsiOpsPortal.Core.Changes;

namespace AsiOpsPortal.Web.Changes;

/// <summary>How audit lines and messages name a change: its audit target, what it applies, and where it goes.</summary>
public static class ChangeNames
{
    /// <summary>The change's audit target: "change/7".</summary>
    public static string Target(Change change) => $"change/{change.Id}";

    /// <summary>What the change applies: "web 1.27" or "ad-hoc manifests".</summary>
    public static string What(Change change) =>
        change.ComponentName is { } component ? $"{component} {change.Version}" : "ad-hoc manifests";

    /// <summary>Where the change goes: "pipeline standard" or "scheduler policy balanced".</summary>
    public static string Path(Change change) =>
        change.SchedulerPolicyName is { } policy ? $"scheduler policy {policy}" : $"pipeline {change.PipelineName}";

    /// <summary>The freeze windows the change asks to run through: "freeze window 'release-week'".</summary>
    public static string FreezeWindows(Change change) => string.Join(", ", change.RunThrough.WindowNames.Select(n => $"freeze window '{n}'"));
}
