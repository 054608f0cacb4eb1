using AsiOpsPortal.Tests.Shared.Hosting;

namespace AsiOpsPortal.IntegrationTests.Accounts;

/// <summary>The portal on a loopback port with single sign-on pointed at a <see cref="FakeOpenIdProvider"/>.</summary>
public sealed class PortalWithProvider : IAsyncLifetime
{
    public FakeOpenIdProvider Provider { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeOpenIdProvider.StartAsync();
        Portal = await PortalFactory.CreateAsync("integrationsinglesignon", Provider.PortalSettings(), kestrel: true);
    }

    /// <summary>A fresh browser that signs in as whoever <paramref name="answer"/> describes, through the login page.</summary>
    public async Task<(SsoBrowser Browser, Landing Landing)> SignInAsync(ProviderAnswer answer, string returnUrl = "/")
    {
        var browser = new SsoBrowser(Portal.ServerAddress);
        return (browser, await SignInAgainAsync(browser, answer, returnUrl));
    }

    /// <summary>Signs in once more in <paramref name="browser"/>, as <paramref name="answer"/> describes.</summary>
    public Task<Landing> SignInAgainAsync(SsoBrowser browser, ProviderAnswer answer, string returnUrl = "/")
    {
        Provider.NextAnswer = answer;
        return browser.SignInFromLoginPageAsync(returnUrl);
    }

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
    }
}
