namespace AsiOpsPortal.Web.Freeze;

public static class FreezeExtensions
{
    public static void AddFreezeWindows(this WebApplicationBuilder builder) => builder.Services.AddSingleton<FreezeService>();
}
