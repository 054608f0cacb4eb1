using AsiOpsPortal.Core.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Infrastructure;

public static class DatabaseExtensions
{
    public static string PortalConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Portal")
        ?? throw new InvalidOperationException("ConnectionStrings:Portal is not set. Point it at PostgreSQL, e.g. Host=127.0.0.1;Port=5432;Database=asiops;Username=postgres.");

    public static void AddPortalDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PortalConnectionString();
        // One context per operation: a Blazor circuit outlives any unit of work.
        builder.Services.AddDbContextFactory<PortalDbContext>(options =>
            PortalDbContextOptions.Use(options, connectionString).AddInterceptors(new StoredTextGuard()));
        builder.AddPortalDataProtection();
    }

    /// <summary>Data Protection keys in the database, encrypted with a key-encryption key kept outside it (see <see cref="KeyEncryptionOptions"/>).</summary>
    private static void AddPortalDataProtection(this WebApplicationBuilder builder)
    {
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName("AsiOpsPortal")
            .PersistKeysToDbContext<PortalDbContext>();
        var keyEncryption = builder.Configuration.GetSection(KeyEncryptionOptions.Section).Get<KeyEncryptionOptions>() ?? new KeyEncryptionOptions();
        if (keyEncryption.Configured)
            dataProtection.ProtectKeysWith(keyEncryption);
        // The migrate-only step never touches a key, so it needs no KEK.
        else if (builder.Environment.IsProduction() && !builder.ValidatedPortalOptions().MigrateOnly)
            throw new InvalidOperationException(KeyEncryptionExtensions.MissingInProduction);
        else
            builder.Services.AddHostedService<UnencryptedKeyRingWarning>();
    }

    /// <summary>Applies migrations when asked to; returns false when the process should stop here (migrate-only mode).</summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PortalOptions>>().Value;
        if (options.MigrateOnStartup || options.MigrateOnly)
        {
            await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            await db.Database.MigrateAsync();
        }
        return !options.MigrateOnly;
    }
}
