using AsiOpsPortal.Tests.Shared.Hosting;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>One portal over a fresh database, shared by the tests of a class that need no clusters.</summary>
public sealed class PortalOnly : IAsyncLifetime
{
    public PortalFactory Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await PortalFactory.CreateAsync("integrationportalonly");

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
    }
}
