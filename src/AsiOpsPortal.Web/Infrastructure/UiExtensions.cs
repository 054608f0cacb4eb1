using MudBlazor.Services;

namespace AsiOpsPortal.Web.Infrastructure;

public static class UiExtensions
{
    public static void AddPortalUi(this WebApplicationBuilder builder)
    {
        // A pasted manifest (up to 1 MiB of YAML) reaches the circuit as one message; SignalR's default stops at 32 KiB.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 4 * 1024 * 1024);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMudServices();
        // Outside Development, `dotnet run` serves framework and MudBlazor assets only with this.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddSingleton<LiveUpdates>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveUpdates>());
    }
}
