namespace AsiOpsPortal.Web.Risk;

public static class RiskExtensions
{
    public static void AddRisk(this WebApplicationBuilder builder) => builder.Services.AddSingleton<RiskService>();
}
