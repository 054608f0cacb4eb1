using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Accounts.Pages;
using AsiOpsPortal.Web.Tests.Support;

namespace AsiOpsPortal.Web.Tests.Accounts;

public sealed class ApiTokensPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalTestContext.CreateAsync(nameof(ApiTokensPageTests));
        await using var db = _portal.Db.CreateContext();
        db.Users.Add(new PortalUser { UserName = "bob", NormalizedUserName = "BOB", DisplayName = "Bob" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<ApiTokens> RenderLoaded()
    {
        var cut = _portal.Render<ApiTokens>();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-progress-linear")), Timeout);
        return cut;
    }

    private static IRenderedComponent<ApiTokens> Create(IRenderedComponent<ApiTokens> cut, string name)
    {
        cut.Fill("[data-testid=token-name]", name);
        cut.OnRenderer(() => cut.Find("form").Submit());
        return cut;
    }

    [Fact]
    public async Task ApiTokens_ShowsTheSecretOnceAndKeepsOnlyItsHash_WhenATokenIsCreated()
    {
        var cut = Create(RenderLoaded(), "release-script");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=new-token]")), Timeout);
        var secret = cut.Find("[data-testid=new-token] .mono").TextContent.Trim();
        Assert.StartsWith(ApiTokenSecret.Marker, secret);
        var row = cut.FindAll("tbody tr").Single();
        Assert.Equal("release-script", row.Children[0].TextContent.Trim());
        Assert.Equal(ApiTokenSecret.PrefixOf(secret) + "…", row.Children[1].TextContent.Trim());
        Assert.Equal("active", row.Children[5].TextContent.Trim());

        var stored = Assert.Single(await _portal.QueryAsync(db => db.ApiTokens));
        Assert.Equal(ApiTokenSecret.Hash(secret), stored.TokenHash);
        Assert.DoesNotContain(secret, stored.TokenHash + stored.Prefix + stored.Name);
        Assert.Single(await _portal.QueryAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.TokenCreated && e.Actor == "bob")));

        var reopened = RenderLoaded();
        Assert.DoesNotContain(secret, reopened.Markup);
        Assert.Contains("release-script", reopened.Markup);
    }

    [Fact]
    public async Task ApiTokens_SaysWhatNameIsNeeded_WhenNameIsEmpty()
    {
        var cut = Create(RenderLoaded(), "   ");

        cut.WaitForAssertion(() => Assert.Contains("Give the token a name of 1 to 64 characters", cut.Find(".mud-alert-text-error").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=new-token]"));
        Assert.Empty(await _portal.QueryAsync(db => db.ApiTokens));
    }

    [Fact]
    public async Task ApiTokens_MarksTokenRevoked_WhenUserConfirmsRevocation()
    {
        var cut = Create(RenderLoaded(), "ci");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")), Timeout);

        cut.ClickButton("Revoke");
        _portal.Dialogs.WaitForAssertion(() => Assert.Contains("Revoke 'ci'?", _portal.Dialogs.Markup), Timeout);
        _portal.Dialogs.ClickButton("Revoke");

        cut.WaitForAssertion(() => Assert.Equal("revoked", cut.Find("tbody tr").Children[5].TextContent.Trim()), Timeout);
        Assert.Empty(cut.FindAll("tbody tr button"));
        Assert.NotNull(Assert.Single(await _portal.QueryAsync(db => db.ApiTokens)).RevokedAt);
    }
}
