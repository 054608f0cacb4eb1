using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AsiOpsPortal.Tests.Shared;

/// <summary>
/// A fresh, migrated database on the throwaway PostgreSQL that scripts/test.sh starts. Tests that need it fail loudly
/// when ASIOPS_TEST_POSTGRES is not set, rather than skipping.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "ASIOPS_TEST_POSTGRES";

    public string Database { get; }
    public string ConnectionString { get; }
    private readonly string _server;

    private TestPostgres(string server, string database)
    {
        _server = server;
        Database = database;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = true, MaxPoolSize = 50 }.ConnectionString;
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL, or set {Variable}=\"Host=127.0.0.1;Port=5432;Username=postgres\".");

    /// <summary>
    /// Creates a database named after <paramref name="purpose"/> with every migration applied: a copy of a template migrated
    /// once, since a hundred tests migrating a database each spend minutes doing the same work.
    /// </summary>
    public static async Task<TestPostgres> CreateAsync(string purpose)
    {
        var template = await MigratedTemplateAsync();
        var name = NameFor(purpose);
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return new TestPostgres(ServerConnectionString, name);
    }

    /// <summary>Creates an empty database named after <paramref name="purpose"/>, with no schema at all.</summary>
    public static async Task<TestPostgres> CreateEmptyAsync(string purpose)
    {
        var name = NameFor(purpose);
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"");
        return new TestPostgres(ServerConnectionString, name);
    }

    private static string NameFor(string purpose)
    {
        var name = $"t_{new string(purpose.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(30).ToArray())}_{Guid.NewGuid():N}";
        return name[..Math.Min(50, name.Length)];
    }

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>
    /// The name of a database holding every migration, made on first use. It is named after the migrations it holds, so a
    /// tree with other migrations never copies the wrong schema, and marked a template only once complete, so one left
    /// half-made by a killed run is made again.
    /// </summary>
    private static async Task<string> MigratedTemplateAsync()
    {
        if (_template is { } made) return made;
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is { } madeMeanwhile) return madeMeanwhile;
            var name = $"tpl_{MigrationsFingerprint()}";
            await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
            await server.OpenAsync();
            // Test processes running side by side (several test projects, several work trees) make each template once.
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext(@name))", server))
            {
                take.Parameters.AddWithValue("name", name);
                await take.ExecuteNonQueryAsync();
            }
            await using var state = new NpgsqlCommand("SELECT datistemplate FROM pg_database WHERE datname = @name", server);
            state.Parameters.AddWithValue("name", name);
            if (await state.ExecuteScalarAsync() is not true)
            {
                await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", server)) await drop.ExecuteNonQueryAsync();
                await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", server)) await create.ExecuteNonQueryAsync();
                // No pooling: a connection left open to a template would refuse every copy of it.
                var options = new DbContextOptionsBuilder<PortalDbContext>();
                PortalDbContextOptions.Use(options, new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = false }.ConnectionString);
                await using (var context = new PortalDbContext(options.Options)) await context.Database.MigrateAsync();
                await using var mark = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true", server);
                await mark.ExecuteNonQueryAsync();
            }
            return _template = name;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static string MigrationsFingerprint()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalDbContextOptions.Use(options, ServerConnectionString);
        using var context = new PortalDbContext(options.Options);
        var migrations = string.Join("\n", context.Database.GetMigrations());
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(migrations)))[..16];
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public PortalDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalDbContextOptions.Use(options, ConnectionString);
        return new PortalDbContext(options.Options);
    }

    public IDbContextFactory<PortalDbContext> ContextFactory() => new Factory(this);

    private sealed class Factory(TestPostgres db) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => db.CreateContext();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
