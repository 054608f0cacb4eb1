using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Core.Data;

public static class PortalDbContextOptions
{
    public const string MigrationsAssembly = "AsiOpsPortal.Migrations";

    /// <summary>The one place the provider is configured, shared by the host, the design-time factory and tests.</summary>
    public static DbContextOptionsBuilder Use(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly)
                .ExecutionStrategy(dependencies => new ReadRetryingExecutionStrategy(dependencies)))
            // A PostgreSQL restart costs a fresh connection, not an error page; a connection lost mid-read costs a retry.
            .AddInterceptors(new StaleConnectionCheck(), new InterruptionTagger());
}
