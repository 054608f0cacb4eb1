using Microsoft.AspNetCore.Components;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>
/// A person's actions on a rendered page. Pages keep rendering while their data arrives (the node table, the
/// authorization check), so each action finds its element and uses it on the renderer's own thread: no render can
/// slip in between and replace the element's event handler.
/// </summary>
public static class Interactions
{
    public static void Click(this IRenderedComponent<IComponent> cut, string selector) =>
        cut.OnRenderer(() => cut.Find(selector).Click());

    public static void ClickButton(this IRenderedComponent<IComponent> cut, string text) => cut.ClickText("button", text);

    /// <summary>Clicks the one element matching <paramref name="selector"/> whose text is <paramref name="text"/>.</summary>
    public static void ClickText(this IRenderedComponent<IComponent> cut, string selector, string text) =>
        cut.OnRenderer(() => cut.FindAll(selector).Single(e => e.TextContent.Trim() == text).Click());

    /// <summary>Types into an input that updates as you type.</summary>
    public static void Type(this IRenderedComponent<IComponent> cut, string selector, string value) =>
        cut.OnRenderer(() => cut.Find(selector).Input(value));

    /// <summary>Fills an input that updates when it loses focus.</summary>
    public static void Fill(this IRenderedComponent<IComponent> cut, string selector, string value) =>
        cut.OnRenderer(() => cut.Find(selector).Change(value));

    public static void OnRenderer(this IRenderedComponent<IComponent> cut, Action act) =>
        cut.InvokeAsync(act).GetAwaiter().GetResult();
}
