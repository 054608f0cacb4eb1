using System.Net;
using System.Text.RegularExpressions;

namespace AsiOpsPortal.IntegrationTests.Accounts;

/// <summary>Where a journey ended: the page's URL and HTML, and every hop on the way for failure messages.</summary>
public sealed record Landing(Uri Url, HttpStatusCode Status, string Html, IReadOnlyList<string> Hops)
{
    public string Journey => string.Join("\n  → ", Hops);
}

/// <summary>
/// A browser for single sign-on journeys: one cookie jar for the portal and the provider, and each redirect (and
/// meta refresh) followed by hand, across both, as a browser would.
/// </summary>
public sealed partial class SsoBrowser : IDisposable
{
    private const int MaxHops = 12;
    private readonly Uri _portal;
    private readonly HttpClient _http;

    public SsoBrowser(string portalAddress)
    {
        _portal = new Uri(portalAddress);
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = _portal,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>Opens the login page, follows its single sign-on button and every redirect after it.</summary>
    public async Task<Landing> SignInFromLoginPageAsync(string returnUrl = "/")
    {
        var login = await OpenAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        var button = SsoButton().Match(login.Html);
        Assert.True(button.Success, $"The login page has no single sign-on button:\n{login.Html}");
        return await OpenAsync(WebUtility.HtmlDecode(button.Groups[1].Value));
    }

    /// <summary>Opens <paramref name="url"/> (a path on the portal or an absolute URL) and follows redirects until a page stays.</summary>
    public async Task<Landing> OpenAsync(string url)
    {
        var current = new Uri(_portal, url);
        var hops = new List<string>();
        for (var hop = 0; hop < MaxHops; hop++)
        {
            using var response = await _http.GetAsync(current);
            hops.Add($"{(int)response.StatusCode} {current}");
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                current = new Uri(current, location);
                continue;
            }
            var html = await response.Content.ReadAsStringAsync();
            if (MetaRefresh().Match(html) is { Success: true } refresh)
            {
                current = new Uri(current, WebUtility.HtmlDecode(refresh.Groups[1].Value));
                continue;
            }
            return new Landing(current, response.StatusCode, html, hops);
        }
        throw new InvalidOperationException($"More than {MaxHops} redirects:\n  " + string.Join("\n  → ", hops));
    }

    /// <summary>One request with this browser's cookies, redirects not followed: what an API call from the page would get.</summary>
    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<meta http-equiv=\"refresh\" content=\"0;url=([^\"]*)\"")]
    private static partial Regex MetaRefresh();

    [GeneratedRegex("href=\"(account/sso\\?[^\"]*)\"")]
    private static partial Regex SsoButton();
}
