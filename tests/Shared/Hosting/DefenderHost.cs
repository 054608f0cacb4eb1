using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Defender;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.Tests.Shared.Hosting;

/// <summary>
/// The defender's part of one portal process, as the portal registers it, over a shared test database: its own service
/// provider, its own connection pool (named after the instance) and its own cached budgets. Two of them on one database
/// stand for two portal processes without two Hangfire servers, whose statics one test process cannot hold twice.
/// </summary>
public sealed class DefenderHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public DefenderHost(TestPostgres db, string instance, TimeProvider? clock = null, TimeSpan? retention = null)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = $"asiops-{instance}" }.ConnectionString;
        var services = new ServiceCollection();
        services.AddDbContextFactory<PortalDbContext>(options => PortalDbContextOptions.Use(options, connectionString));
        services.AddSingleton(clock ?? TimeProvider.System);
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditedWrite>();
        services.AddSingleton<DefenderStore>();
        services.AddSingleton<DefenderService>();
        services.AddSingleton<BreakGlassService>();
        services.AddOptions<DefenderOptions>().Configure(o => o.DecisionRetention = retention ?? o.DecisionRetention);
        _services = services.BuildServiceProvider();
    }

    public DefenderStore Store => _services.GetRequiredService<DefenderStore>();
    public DefenderService Service => _services.GetRequiredService<DefenderService>();
    public BreakGlassService BreakGlass => _services.GetRequiredService<BreakGlassService>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
