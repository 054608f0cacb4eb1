namespace AsiOpsPortal.Web.Gates;

public static class GateExtensions
{
    public static void AddGates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GateProtector>();
        builder.Services.AddSingleton<GateService>();
        builder.Services.AddSingleton<GateClient>();
        builder.Services.AddSingleton<GateChecks>();
        // Each attempt carries the gate's own timeout; a redirect could lead off the allow-list, so none is followed.
        builder.Services.AddHttpClient(GateClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) });
    }
}
