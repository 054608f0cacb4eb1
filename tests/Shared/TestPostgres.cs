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

    /// <summary>Creates an empty database named after <paramref name="purpose"/> and applies every migration.</summary>
    public static async Task<TestPostgres> CreateAsync(string purpose)
    {
        var db = await CreateEmptyAsync(purpose);
        await using var context = db.CreateContext();
        await context.Database.MigrateAsync();
        return db;
    }

    /// <summary>Creates an empty database named after <paramref name="purpose"/>, with no schema at all.</summary>
    public static async Task<TestPostgres> CreateEmptyAsync(string purpose)
    {
        var name = $"t_{new string(purpose.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(30).ToArray())}_{Guid.NewGuid():N}";
        name = name[..Math.Min(50, name.Length)];
        var db = new TestPostgres(ServerConnectionString, name);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return db;
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
