using MudBlazor.Services;

namespace AsiOpsPortal.Web.Infrastructure;

public static class UiExtensions
{
    public static void AddPortalUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMudServices();
        // Outside Development, `dotnet run` serves framework and MudBlazor assets only with this.
        builder.WebHost.UseStaticWebAssets();
    }
}
