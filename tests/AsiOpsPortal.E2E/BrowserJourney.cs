using System.Runtime.CompilerServices;
using AsiOpsPortal.Tests.Shared.Hosting;

namespace AsiOpsPortal.E2E;

/// <summary>
/// One person's visit to the portal: a fresh browser context and page, helpers for what every journey does, and a
/// screenshot (plus the browser's console errors) in the test output when a step fails.
/// </summary>
public sealed class BrowserJourney
{
    public static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private const float StepTimeoutMs = 20_000;
    private readonly List<string> _consoleErrors = [];

    static BrowserJourney() => Assertions.SetDefaultExpectTimeout(StepTimeoutMs);

    private BrowserJourney(IPage page) => Page = page;

    public IPage Page { get; }

    public static Task RunAsync(PortalFixture portal, ITestOutputHelper output, Func<BrowserJourney, Task> steps, [CallerMemberName] string test = "") =>
        RunAsync(portal.Browser, portal.Portal.ServerAddress, output, steps, test);

    /// <summary>A journey in <paramref name="browser"/> against the portal at <paramref name="baseUrl"/>.</summary>
    public static async Task RunAsync(IBrowser browser, string baseUrl, ITestOutputHelper output, Func<BrowserJourney, Task> steps,
        [CallerMemberName] string test = "")
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        context.SetDefaultTimeout(StepTimeoutMs);
        var journey = new BrowserJourney(await context.NewPageAsync());
        journey.Page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (journey._consoleErrors) journey._consoleErrors.Add(message.Text);
        };
        try
        {
            await steps(journey);
            // The Content-Security-Policy must not cost the portal anything it needs: the browser reports what it blocked.
            lock (journey._consoleErrors)
                Assert.DoesNotContain(journey._consoleErrors, error => error.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }
        catch
        {
            output.WriteLine($"Failed at {journey.Page.Url}; {await journey.TryScreenshotAsync($"{test}-failure")}");
            lock (journey._consoleErrors)
                foreach (var error in journey._consoleErrors) output.WriteLine($"browser console error: {error}");
            throw;
        }
    }

    /// <summary>Signs in through the login form and waits until the page it lands on can be clicked.</summary>
    public async Task LogInAsync(string user)
    {
        await SubmitLoginAsync(user, PortalFactory.PasswordOf(user));
        await Page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
        await WaitForInteractiveAsync();
    }

    public async Task SubmitLoginAsync(string user, string password)
    {
        await Page.GotoAsync("/account/login");
        await Page.Locator("#username").FillAsync(user);
        await Page.Locator("#password").FillAsync(password);
        await Page.Locator("form button[type=submit]").ClickAsync();
    }

    /// <summary>A full page load, then the wait for the Blazor circuit: prerendered HTML ignores clicks.</summary>
    public async Task GoToAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitForInteractiveAsync();
    }

    public Task WaitForInteractiveAsync() => Page.Locator("[data-interactive=true]").WaitForAsync();

    private async Task<string> TryScreenshotAsync(string name)
    {
        try { return $"screenshot: {await ScreenshotAsync(name)}"; }
        catch (PlaywrightException e) { return $"no screenshot ({e.Message})"; }
    }

    /// <summary>Saves a full-page PNG under <see cref="ScreenshotDirectory"/> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, $"{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
