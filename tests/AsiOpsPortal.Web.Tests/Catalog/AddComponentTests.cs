using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Catalog.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Catalog;

public sealed class AddComponentTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(AddComponentTests), "alice", Roles.Developer);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<AddComponent> RenderFilled(string name, string @namespace, string description = "", string owner = "")
    {
        var cut = _portal.Render<AddComponent>();
        cut.Fill("[data-testid=field-name]", name);
        cut.Fill("[data-testid=field-namespace]", @namespace);
        if (description.Length > 0) cut.Fill("[data-testid=field-description]", description);
        if (owner.Length > 0) cut.Fill("[data-testid=field-owner]", owner);
        return cut;
    }

    [Fact]
    public async Task AddComponent_AddsItWithTheCallerAsOwnerAndOpensIt_WhenTheFormIsValid()
    {
        var cut = RenderFilled("web-frontend", "web", "The storefront.");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.EndsWith("/components/web-frontend", _portal.Navigation.Uri), Timeout);
        var component = Assert.Single(await _portal.QueryAsync(db => db.Components));
        Assert.Equal(("web-frontend", "web", "The storefront.", "alice"), (component.Name, component.Namespace, component.Description, component.Owner));
        var created = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents));
        Assert.Equal((AuditActions.ComponentCreated, "alice", "component/web-frontend"), (created.Action, created.Actor, created.Target));
    }

    [Fact]
    public async Task AddComponent_ShowsEachRuleNextToItsField_WhenNameAndNamespaceAreInvalid()
    {
        var cut = RenderFilled("Web_Frontend", "");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains(
            "Name 'Web_Frontend' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.",
            cut.FindAll(".mud-input-helper-text.mud-input-error").Select(e => e.TextContent.Trim())), Timeout);
        Assert.Contains("Namespace is required: where objects that name none are applied (e.g. web).",
            cut.FindAll(".mud-input-helper-text.mud-input-error").Select(e => e.TextContent.Trim()));
        Assert.Equal("Web_Frontend", cut.Find("input[data-testid=field-name]").GetAttribute("value"));
        Assert.Empty(await _portal.QueryAsync(db => db.Components));
    }

    [Fact]
    public async Task AddComponent_SaysTheNameIsTaken_WhenAComponentAlreadyHasIt()
    {
        await _portal.Catalog.CreateAsync(new ComponentRegistration("web-frontend", "web", "", null), People.Bob);
        var cut = RenderFilled("web-frontend", "web");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Equal("A component named 'web-frontend' already exists.", cut.Find("[data-testid=form-error]").TextContent.Trim()), Timeout);
        Assert.Equal("bob", Assert.Single(await _portal.QueryAsync(db => db.Components)).Owner);
    }
}
