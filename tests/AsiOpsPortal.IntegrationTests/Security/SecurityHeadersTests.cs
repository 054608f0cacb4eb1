using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>Every answer, page or API, tells browsers not to sniff, not to leak URLs, and what the page may load.</summary>
public sealed class SecurityHeadersTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    public static TheoryData<string, string?> Responses => new()
    {
        { "/account/login", null }, // a page, anonymous
        { "/", "bob" }, // a page of the app, signed in
        { "/api/v1/clusters", "bob" }, // an API answer
        { "/api/v1/clusters", null }, // an API refusal (401)
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task Responses_CarryNosniffReferrerPolicyAndAStrictContentSecurityPolicy(string path, string? user)
    {
        var client = user is null ? fixture.Portal.AnonymousClient()
            : path.StartsWith("/api/", StringComparison.Ordinal) ? fixture.Portal.ApiClient(user) : await fixture.Portal.SignedInBrowserAsync(user);

        using var response = await client.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"GET {path} answered {(int)response.StatusCode}");
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        // One policy: Blazor's own frame-ancestors header would be a second, looser one.
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("default-src 'self'", directives["default-src"]);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal("connect-src 'self'", directives["connect-src"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("base-uri 'self'", directives["base-uri"]);
        Assert.Equal("form-action 'self'", directives["form-action"]);
    }
}
