using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Accounts;

public static class AccountExtensions
{
    public static void AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiTokenService>();
        builder.Services.AddSingleton<UserAdminService>();
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddOptions<SingleSignOnOptions>().BindConfiguration(SingleSignOnOptions.Section);
        builder.Services.AddScoped<SingleSignOn>();
        builder.Services.AddScoped<SingleSignOnEvents>();
    }

    public static async Task SeedDemoAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled) return;
        await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
    }
}
