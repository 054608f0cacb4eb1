namespace AsiOpsPortal.Web.Accounts;

public static class AccountExtensions
{
    public static void AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiTokenService>();
        builder.Services.AddSingleton<UserAdminService>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddOptions<SingleSignOnOptions>().BindConfiguration(SingleSignOnOptions.Section);
        builder.Services.AddScoped<SingleSignOn>();
        builder.Services.AddScoped<SingleSignOnEvents>();
    }
}
