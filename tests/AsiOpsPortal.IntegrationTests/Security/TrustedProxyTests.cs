using System.Net;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto over real Kestrel: believed from a configured proxy (the audit trail records the
/// client, cookies are secure behind TLS), ignored from anyone else.
/// </summary>
public sealed class TrustedProxyTests
{
    [Theory]
    [InlineData("127.0.0.1", "203.0.113.7", true)]
    [InlineData("10.0.0.0/8", "127.0.0.1", false)]
    public async Task ForwardedHeaders_AreBelieved_OnlyFromATrustedProxy(string trusted, string recordedIp, bool secure)
    {
        await using var portal = await PortalFactory.CreateAsync($"integrationtrustedproxy{(secure ? "yes" : "no")}",
            new Dictionary<string, string> { ["Portal:TrustedProxies:0"] = trusted }, kestrel: true);
        // A plain client over the socket, as a proxy's traffic arrives.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(portal.ServerAddress) };

        browser.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        browser.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        using (var wrong = await browser.PostLoginAsync("alice", "not-alices-password"))
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        using var right = await browser.PostLoginAsync("alice", PortalFactory.PasswordOf("alice"));

        var failed = (await portal.ApiClient("carol").AuditAsync(AuditActions.LoginFailed, "alice")).Single()!;
        Assert.Contains($"ip={recordedIp}", failed["details"]!.GetValue<string>());
        // The sign-in cookie is marked secure only when the request is known to have come over https.
        var signIn = right.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("asiops=", StringComparison.Ordinal));
        Assert.Equal(secure, signIn.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("10.0.0.5", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("proxy.internal", false)]
    [InlineData("10.0.0.0/33", false)]
    public void Parse_TakesAddressesAndRanges_Only(string entry, bool valid) =>
        Assert.Equal(valid, TrustedProxies.Parse(entry) is not null);
}
