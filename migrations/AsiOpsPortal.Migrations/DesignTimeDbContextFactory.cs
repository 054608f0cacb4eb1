using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AsiOpsPortal.Migrations;

/// <summary>Lets `dotnet ef` build the model without starting the web host.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Portal")
            ?? "Host=127.0.0.1;Port=5432;Database=asiops;Username=postgres";
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalDbContextOptions.Use(options, connectionString);
        return new PortalDbContext(options.Options);
    }
}
