using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Accounts;

/// <summary>
/// OpenID Connect sign-in over the real protocol: the login page's button, the fake provider's redirects, the code
/// exchange and id_token validation, then the portal's own user, role, cookie and audit trail.
/// </summary>
public sealed partial class SingleSignOnTests(PortalWithProvider world) : IClassFixture<PortalWithProvider>
{
    /// <summary>An SRE-only API: allowed or refused tells which role the session carries.</summary>
    private const string SreOnlyApi = "/api/v1/audit";

    private readonly HttpClient _admin = world.Portal.ApiClient("admin");

    [Fact]
    public async Task SignIn_CreatesALocalUserWithTheClaimedRole_WhenSomeoneSignsInForTheFirstTime()
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-erin", "erin", "sre"));
        using var _ = browser;

        AssertOnDashboardAs("erin", landing);
        using (var sreOnly = await browser.GetAsync(SreOnlyApi))
            Assert.Equal(HttpStatusCode.OK, sreOnly.StatusCode);
        Assert.Equal(Roles.Sre, (await UserAsync("erin"))?["role"]?.GetValue<string>());
    }

    [Fact]
    public async Task SignIn_TakesTheRoleAway_WhenTheNextSignInClaimsALowerRole()
    {
        var (browser, first) = await world.SignInAsync(ProviderAnswer.Person("sub-ivan", "ivan", "SRE"));
        using var _ = browser;
        AssertOnDashboardAs("ivan", first);
        using (var before = await browser.GetAsync(SreOnlyApi))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var second = await world.SignInAgainAsync(browser, ProviderAnswer.Person("sub-ivan", "ivan", "Viewer"));

        AssertOnDashboardAs("ivan", second);
        using (var after = await browser.GetAsync(SreOnlyApi))
            Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal(Roles.Viewer, (await UserAsync("ivan"))?["role"]?.GetValue<string>());
        var changes = await _admin.AuditAsync(AuditActions.RoleChanged, "ivan");
        AssertAnyDetails(changes, d => d.StartsWith("role=Viewer; was=SRE"), "the change from SRE to Viewer");
    }

    [Fact]
    public async Task SignIn_GivesViewer_WhenNoClaimedRoleIsAPortalRole()
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-jo", "jo", "payroll-admin"));
        using var _ = browser;

        AssertOnDashboardAs("jo", landing);
        using (var sreOnly = await browser.GetAsync(SreOnlyApi))
            Assert.Equal(HttpStatusCode.Forbidden, sreOnly.StatusCode);
        Assert.Equal(Roles.Viewer, (await UserAsync("jo"))?["role"]?.GetValue<string>());
    }

    [Fact]
    public async Task UsersApi_ListsTheSingleSignOnUser_WhenTheyHaveSignedIn()
    {
        var answer = new ProviderAnswer("sub-hana", "hana", ["Developer"], Name: "Hana Example");
        var (browser, landing) = await world.SignInAsync(answer);
        using var _ = browser;
        AssertOnDashboardAs("hana", landing);

        var hana = await UserAsync("hana");

        Assert.NotNull(hana);
        Assert.Equal("Hana Example", hana["displayName"]!.GetValue<string>());
        Assert.Equal(Roles.Developer, hana["role"]!.GetValue<string>());
        Assert.False(hana["lockedOut"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SignIn_CreatesASeparateUser_WhenThePreferredUsernameBelongsToALocalUser()
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-not-bob", "bob", "Viewer"));
        using var _ = browser;

        var signedInAs = CurrentUser(landing);
        Assert.NotEqual("bob", signedInAs);
        Assert.StartsWith("bob", signedInAs);
        using (var sreOnly = await browser.GetAsync(SreOnlyApi))
            Assert.Equal(HttpStatusCode.Forbidden, sreOnly.StatusCode); // bob himself is an SRE
        Assert.Equal(PortalFactory.RoleOf("bob"), (await UserAsync("bob"))?["role"]?.GetValue<string>());
        Assert.Equal(Roles.Viewer, (await UserAsync(signedInAs))?["role"]?.GetValue<string>());
        var created = await _admin.AuditAsync(AuditActions.UserCreated, signedInAs);
        AssertAnyDetails(created, d => d.Contains("'bob' belongs to another user"), "why the user is not named bob");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\t/evil.example/")]
    public async Task SignIn_EndsOnThePortalHomePage_WhenTheReturnUrlPointsElsewhere(string returnUrl)
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-kim", "kim", "Viewer"), returnUrl);
        using var _ = browser;

        Assert.True(landing.Url.GetLeftPart(UriPartial.Authority) == new Uri(world.Portal.ServerAddress).GetLeftPart(UriPartial.Authority)
            && landing.Url.AbsolutePath == "/", $"The journey left the portal's home page:\n  {landing.Journey}");
        AssertOnDashboardAs("kim", landing);
    }

    [Fact]
    public async Task SignIn_ReturnsToTheRequestedPage_WhenTheLoginPageWasOpenedWithAReturnUrl()
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-lee", "lee", "Viewer"), "/clusters?environment=prod");
        using var _ = browser;

        Assert.True(landing.Status == HttpStatusCode.OK && landing.Url.PathAndQuery == "/clusters?environment=prod",
            $"Expected to land on /clusters?environment=prod:\n  {landing.Journey}");
    }

    [Fact]
    public async Task Audit_RecordsTheSignInAndTheRefusal_WhenOneAttemptSucceedsAndTheProviderRefusesAnother()
    {
        var (browser, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-max", "max", "Developer"));
        using var _ = browser;
        AssertOnDashboardAs("max", landing);

        var refused = await world.SignInAgainAsync(browser, ProviderAnswer.Refusal("access_denied"), "/clusters");

        AssertOnLoginPageWith(LoginErrors.SingleSignOnFailed, "Single sign-on did not complete", refused);
        var login = Assert.Single(await _admin.AuditAsync(AuditActions.Login, "max"));
        Assert.Contains("via=OpenIdConnect; subject=sub-max", login!["details"]!.GetValue<string>());
        Assert.True(login["succeeded"]!.GetValue<bool>());
        var failures = await _admin.AuditAsync(AuditActions.LoginFailed);
        AssertAnyDetails(failures, d => d.Contains("reason=provider error access_denied"), "the provider's refusal");
    }

    [Fact]
    public async Task SignIn_EndsOnTheLoginPageAndIsAudited_WhenTheIdTokenHasNoSubject()
    {
        var (browser, landing) = await world.SignInAsync(new ProviderAnswer(Subject: null, PreferredUsername: "nobody", Roles: ["Admin"]));
        using var _ = browser;

        AssertOnLoginPageWith(LoginErrors.SingleSignOnFailed, "Single sign-on did not complete", landing);
        Assert.Null(await UserAsync("nobody"));
        var failures = await _admin.AuditAsync(AuditActions.LoginFailed);
        AssertAnyDetails(failures, d => d.Contains("via=OpenIdConnect; reason=IDX21314"), "IdentityModel's code for an id_token without sub");
    }

    [Fact]
    public async Task SignIn_IsRefused_WhenTheLocalUserIsLockedOut()
    {
        var (first, landing) = await world.SignInAsync(ProviderAnswer.Person("sub-nia", "nia", "Admin"));
        first.Dispose();
        AssertOnDashboardAs("nia", landing);
        await LockOutAsync("nia");

        var (browser, refused) = await world.SignInAsync(ProviderAnswer.Person("sub-nia", "nia", "Admin"));
        using var _ = browser;

        AssertOnLoginPageWith(LoginErrors.SingleSignOnLocked, "Your portal account is locked", refused);
        using (var viewerPage = await browser.GetAsync("/api/v1/tokens"))
            Assert.Equal(HttpStatusCode.Unauthorized, viewerPage.StatusCode);
        var failures = await _admin.AuditAsync(AuditActions.LoginFailed, "nia");
        AssertAnyDetails(failures, d => d.EndsWith("locked-out"), "the refusal of a locked-out user");
    }

    [Fact]
    public async Task ExternalCallback_EndsOnTheLoginPageAndIsAudited_WhenNoProviderAnswerCameFirst()
    {
        using var browser = new SsoBrowser(world.Portal.ServerAddress);

        var landing = await browser.OpenAsync("/account/external-callback?returnUrl=%2Fclusters");

        AssertOnLoginPageWith(LoginErrors.SingleSignOnFailed, "Single sign-on did not complete", landing);
        Assert.Contains("returnUrl=%2Fclusters", landing.Url.Query);
        AssertAnyDetails(await _admin.AuditAsync(AuditActions.LoginFailed), d => d.Contains("reason=no external sign-in"), "the callback opened directly");
    }

    private static void AssertOnDashboardAs(string user, Landing landing)
    {
        Assert.True(landing.Status == HttpStatusCode.OK && landing.Url.AbsolutePath == "/" && landing.Html.Contains("<title>Fleet · AsiOpsPortal</title>"),
            $"Expected the dashboard:\n  {landing.Journey}");
        Assert.Equal(user, CurrentUser(landing));
    }

    private static void AssertOnLoginPageWith(string error, string message, Landing landing)
    {
        Assert.True(landing.Status == HttpStatusCode.OK && landing.Url.AbsolutePath == "/account/login" && landing.Url.Query.Contains($"error={error}&"),
            $"Expected the login page with error={error}:\n  {landing.Journey}");
        var alert = landing.Html.IndexOf("data-testid=\"login-error\"", StringComparison.Ordinal);
        Assert.True(alert >= 0, $"The login page shows no error:\n{landing.Html}");
        Assert.Contains(message, WebUtility.HtmlDecode(Markup().Replace(landing.Html[alert..], " ")));
        Assert.DoesNotContain("Exception", landing.Html);
    }

    private static void AssertAnyDetails(JsonArray events, Func<string, bool> matches, string what) =>
        Assert.True(events.Any(e => matches(e!["details"]!.GetValue<string>())), $"No audit event shows {what}: {events.ToJsonString()}");

    private static string CurrentUser(Landing landing)
    {
        var match = CurrentUserMarkup().Match(landing.Html);
        Assert.True(match.Success, $"No signed-in user on the page:\n  {landing.Journey}");
        return WebUtility.HtmlDecode(match.Groups[1].Value.Trim());
    }

    private async Task<JsonNode?> UserAsync(string name)
    {
        using var response = await _admin.GetAsync("/api/v1/users");
        var users = (await response.ExpectJsonAsync(HttpStatusCode.OK, "listing users")).AsArray();
        return users.SingleOrDefault(u => u!["name"]!.GetValue<string>() == name);
    }

    private async Task LockOutAsync(string name)
    {
        await using var scope = world.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByNameAsync(name) ?? throw new InvalidOperationException($"No user {name}.");
        Assert.True((await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddDays(1))).Succeeded);
    }

    [GeneratedRegex("data-testid=\"current-user\"[^>]*>([^<]*)<")]
    private static partial Regex CurrentUserMarkup();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Markup();
}
