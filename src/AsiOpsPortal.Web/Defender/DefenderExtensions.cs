namespace AsiOpsPortal.Web.Defender;

public static class DefenderExtensions
{
    public static void AddDefender(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DefenderOptions>().BindConfiguration(DefenderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DefenderStore>();
        builder.Services.AddSingleton<Admission.DefenderCertificates>();
        builder.Services.AddSingleton<Admission.DefenderClusterKeys>();
        builder.Services.AddSingleton<Admission.DefenderWebhookListener>();
        builder.Services.AddHostedService(s => s.GetRequiredService<Admission.DefenderWebhookListener>());
        builder.Services.AddSingleton<DefenderService>();
        builder.Services.AddSingleton<BreakGlassService>();
        builder.Services.AddSingleton<DefenderQueries>();
        builder.Services.AddSingleton<DefenderInstaller>();
        builder.Services.AddTransient<DefenderCleanupJob>();
    }
}
