using System.Net;
using System.Text.RegularExpressions;
using AsiOpsPortal.Tests.Shared.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>Signs in the way a browser does: GET the login form, keep its antiforgery token and cookie, POST the form.</summary>
public static partial class BrowserSession
{
    /// <summary>A client that carries cookies and does not follow redirects, so tests see where the portal sends people.</summary>
    public static HttpClient NewBrowser(this PortalFactory portal) =>
        portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Posts the login form; returns the response (302 to returnUrl on success, back to the form on failure).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient browser, string user, string password, string returnUrl = "/")
    {
        using var form = await browser.GetAsync("/account/login");
        var html = await form.Content.ReadAsStringAsync();
        Assert.True(form.StatusCode == HttpStatusCode.OK, $"GET /account/login answered {(int)form.StatusCode}: {html}");
        var input = AntiforgeryInput().Match(html);
        Assert.True(input.Success, "The login form has no __RequestVerificationToken input.");
        var token = WebUtility.HtmlDecode(ValueAttribute().Match(input.Value).Groups[1].Value);
        return await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
    }

    /// <summary>A browser signed in as <paramref name="user"/> with the demo password.</summary>
    public static async Task<HttpClient> SignedInBrowserAsync(this PortalFactory portal, string user)
    {
        var browser = portal.NewBrowser();
        using var response = await browser.PostLoginAsync(user, PortalFactory.PasswordOf(user));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/",
            $"Signing in as {user} answered {(int)response.StatusCode} → {response.Headers.Location}");
        return browser;
    }

    /// <summary>The path a redirect points at, whether the Location is absolute or relative.</summary>
    public static string? RedirectPath(this HttpResponseMessage response) =>
        response.Headers.Location is not { } location ? null
        : location.IsAbsoluteUri ? location.AbsolutePath
        : location.OriginalString.Split('?', 2)[0];

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>")]
    private static partial Regex AntiforgeryInput();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueAttribute();
}
