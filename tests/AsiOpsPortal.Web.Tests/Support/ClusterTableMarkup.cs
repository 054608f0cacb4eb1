using Microsoft.AspNetCore.Components;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>What a person reads off the cluster table, wherever it is rendered.</summary>
public static class ClusterTableMarkup
{
    public static IReadOnlyList<string> ClusterNames(this IRenderedComponent<IComponent> cut) =>
        cut.FindAll("[data-testid=cluster-table] [data-testid=cluster-link]").Select(a => a.TextContent.Trim()).ToList();

    /// <summary>The pager's caption, e.g. "1-25 of 30".</summary>
    public static string PagerCaption(this IRenderedComponent<IComponent> cut) =>
        cut.Find("[data-testid=cluster-table] .mud-table-page-number-information").TextContent.Trim();
}
