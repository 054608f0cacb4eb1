using System.Diagnostics;
using AsiOpsPortal.Tests.Shared;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Platform;

/// <summary>The deployment's migrate step: the portal binary with Portal__MigrateOnly=true migrates an empty database and exits.</summary>
public sealed class MigrateOnlyTests
{
    [Fact]
    public async Task Portal_MigratesAndExits_WhenStartedInMigrateOnlyMode()
    {
        await using var db = await TestPostgres.CreateEmptyAsync("integration migrate only");
        var portal = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [portal])
        {
            WorkingDirectory = Path.GetDirectoryName(portal)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Portal"] = db.ConnectionString;
        start.Environment["Portal__MigrateOnly"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(bound.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output}\n{await errors}");
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var applied = new NpgsqlCommand("""SELECT count(*) FROM "__EFMigrationsHistory" """, connection);
        Assert.True((long)(await applied.ExecuteScalarAsync())! >= 3, "No migrations were recorded.");
    }
}
