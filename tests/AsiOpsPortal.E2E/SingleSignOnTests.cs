using System.Text.Json;
using AsiOpsPortal.Tests.Shared.Hosting;

namespace AsiOpsPortal.E2E;

[CollectionDefinition(Name)]
public sealed class SingleSignOnCollection : ICollectionFixture<SingleSignOnPortal>
{
    public const string Name = "single sign-on in a browser";
}

/// <summary>
/// A portal of its own with single sign-on at a fake provider, and a Chromium: the shared portal has no single sign-on,
/// and the users these journeys create would change what other journeys count.
/// </summary>
public sealed class SingleSignOnPortal : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public FakeOpenIdProvider Provider { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The provider is on 127.0.0.1; the portal opened as localhost is another site, as a real provider would be.</summary>
    public string PortalOnAnotherSite => Portal.ServerAddress.Replace("127.0.0.1", "localhost");

    public async Task InitializeAsync()
    {
        Chromium.ExecutablePath();
        Provider = await FakeOpenIdProvider.StartAsync();
        Portal = await PortalFactory.CreateAsync("e2e single sign-on", Provider.PortalSettings(), kestrel: true);
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task<int> LoginsAuditedAsync(string user)
    {
        using var admin = Portal.ApiClient("admin");
        using var audit = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/audit?action=auth.login&actor={user}"));
        return audit.RootElement.GetProperty("total").GetInt32();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Portal is not null) await Portal.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }
}

/// <summary>Single sign-on in a real browser, which judges cookies by site and runs Blazor's navigation script.</summary>
[Collection(SingleSignOnCollection.Name)]
public sealed class SingleSignOnTests(SingleSignOnPortal sso, ITestOutputHelper output)
{
    [Fact]
    public async Task SignIn_LandsSignedInOnTheDashboard_WhenTheProviderAsksFirstOnAnotherSite()
    {
        sso.Provider.NextAnswer = ProviderAnswer.Person("sub-quinn", "quinn", "SRE");
        sso.Provider.ShowsConsentPage = true;

        await BrowserJourney.RunAsync(sso.Browser, sso.PortalOnAnotherSite, output, async journey =>
        {
            var page = journey.Page;
            await page.GotoAsync("/account/login");
            await page.GetByText("Sign in with single sign-on").ClickAsync();
            await page.Locator("#consent").ClickAsync();

            await page.WaitForURLAsync(sso.PortalOnAnotherSite + "/");
            await journey.WaitForInteractiveAsync();
            await Assertions.Expect(page.GetByTestId("current-user")).ToHaveTextAsync("quinn");
        });
    }

    [Fact]
    public async Task SignIn_RunsOnce_WhenTheProviderAnswersAtOnce()
    {
        sso.Provider.NextAnswer = ProviderAnswer.Person("sub-rosa", "rosa", "Viewer");
        sso.Provider.ShowsConsentPage = false;

        await BrowserJourney.RunAsync(sso.Browser, sso.PortalOnAnotherSite, output, async journey =>
        {
            var page = journey.Page;
            await page.GotoAsync("/account/login");
            await page.GetByText("Sign in with single sign-on").ClickAsync();

            await page.WaitForURLAsync(sso.PortalOnAnotherSite + "/");
            await journey.WaitForInteractiveAsync();
            await Assertions.Expect(page.GetByTestId("current-user")).ToHaveTextAsync("rosa");
        });

        // Blazor's enhanced navigation would first fetch the whole flow, then run it again as a page load.
        Assert.Equal(1, await sso.LoginsAuditedAsync("rosa"));
    }
}
