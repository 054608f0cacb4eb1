using System.Net;
using System.Net.Http.Headers;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>
/// A portal on Kestrel behind a "proxy" on loopback, so each test signs in from its own client address (X-Forwarded-For),
/// with small failed sign-in limits and a short window.
/// </summary>
public sealed class ThrottledPortal : IAsyncLifetime
{
    public PortalFactory Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await PortalFactory.CreateAsync("integrationloginthrottle", new Dictionary<string, string>
    {
        ["Portal:TrustedProxies:0"] = "127.0.0.1",
        ["Portal:FailedLoginsPerAccount"] = "3",
        ["Portal:FailedLoginsPerAddress"] = "5",
        ["Portal:FailedLoginWindow"] = "00:00:05",
    }, kestrel: true);

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
    }

    /// <summary>A browser (cookies, no redirects followed) whose requests arrive from <paramref name="clientAddress"/>.</summary>
    public HttpClient BrowserFrom(string clientAddress, bool acceptsHtml = true)
    {
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(Portal.ServerAddress) };
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        if (acceptsHtml) browser.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return browser;
    }
}

/// <summary>Failed sign-ins slow the guesser down without locking the account's owner out of the portal or the API.</summary>
public sealed class LoginThrottleTests(ThrottledPortal world) : IClassFixture<ThrottledPortal>
{
    private const int Attempts = 12;

    [Fact]
    public async Task FailedLogins_ThrottleButNeverLockTheAccount_AndItsTokenAndPasswordKeepWorking()
    {
        using var stranger = world.BrowserFrom("203.0.113.10");

        var throttled = new List<string>();
        for (var i = 0; i < Attempts; i++)
        {
            using var response = await stranger.PostLoginAsync("alice", $"guess-{i}");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            if (response.Headers.Location!.OriginalString.Contains("error=throttled")) throttled.Add(response.Headers.Location.OriginalString);
        }

        // Three failures per window are allowed; the rest of twelve quick attempts are refused unchecked.
        Assert.NotEmpty(throttled);
        using (var page = await stranger.GetAsync(throttled[0]))
            Assert.Matches(@"Too many failed sign-ins; try again in \d+ s\.", await page.Content.ReadAsStringAsync());
        var audited = await world.Portal.ApiClient("carol").AuditAsync(AuditActions.LoginThrottled, "alice");
        Assert.Contains(audited, e => e!["details"]!.GetValue<string>().Contains("ip=203.0.113.10"));

        // The account itself is untouched: not locked, and its API token still answers.
        await using (var scope = world.Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AsiOpsPortal.Core.Accounts.PortalUser>>();
            var alice = (await users.FindByNameAsync("alice"))!;
            Assert.False(await users.IsLockedOutAsync(alice), "Failed sign-ins by someone else locked alice's account.");
        }
        using (var api = await world.Portal.ApiClient("alice").GetAsync("/api/v1/tokens"))
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        // Once the window has passed, alice signs in with her password (from the same address, even).
        await Eventually.UntilAsync(async () =>
            {
                using var browser = world.BrowserFrom("203.0.113.10");
                using var response = await browser.PostLoginAsync("alice", PortalFactory.PasswordOf("alice"));
                return $"{(int)response.StatusCode} {response.Headers.Location}";
            },
            outcome => outcome == "302 /", "alice signing in after the throttle window");
    }

    [Fact]
    public async Task FailedLogins_FromOneAddress_AreThrottledWhateverNamesTheyTry_AndScriptsGet429()
    {
        using var script = world.BrowserFrom("203.0.113.20", acceptsHtml: false);

        HttpResponseMessage? refused = null;
        for (var i = 0; i < Attempts && refused is null; i++)
        {
            var response = await script.PostLoginAsync($"nobody-{i}", "wrong");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A throttled sign-in carries no Retry-After.");
            Assert.Matches(@"Too many failed sign-ins; try again in \d+ s\.", await refused.Content.ReadAsStringAsync());
        }
        // Another address trying a name is judged on its own record.
        using var neighbour = world.BrowserFrom("203.0.113.21", acceptsHtml: false);
        using var other = await neighbour.PostLoginAsync("nobody-else", "wrong");
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
        Assert.Contains("error=invalid", other.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AdminLock_StopsSignInAndApiTokens_UntilAnAdminUnlocks()
    {
        var admin = world.Portal.ApiClient("admin");
        var dave = world.Portal.ApiClient("dave");

        using (var locked = await admin.PutAsync("/api/v1/users/dave/lock", null))
            Assert.Equal(HttpStatusCode.NoContent, locked.StatusCode);
        using (var refused = await dave.GetAsync("/api/v1/clusters"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var browser = world.BrowserFrom("203.0.113.30"))
        using (var signIn = await browser.PostLoginAsync("dave", PortalFactory.PasswordOf("dave")))
            Assert.Contains("error=locked", signIn.Headers.Location!.OriginalString);
        Assert.Single(await admin.AuditAsync(AuditActions.UserLocked, "admin"));

        using (var unlocked = await admin.DeleteAsync("/api/v1/users/dave/lock"))
            Assert.Equal(HttpStatusCode.NoContent, unlocked.StatusCode);
        using var back = await dave.GetAsync("/api/v1/clusters");
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }
}
