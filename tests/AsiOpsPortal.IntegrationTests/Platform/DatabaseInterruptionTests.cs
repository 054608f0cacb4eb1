using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Platform;

/// <summary>
/// PostgreSQL drops the portal's connection in the middle of a request (docs/api-input.md, "Database restarts"): a read is
/// retried and answers as usual; a unit of work fails whole with a 503 saying nothing was saved; a lost COMMIT says its
/// outcome is unknown. The drop is a real <c>pg_terminate_backend</c> of the request's own session, at a chosen command.
/// </summary>
public sealed class DatabaseInterruptionTests : IAsyncLifetime
{
    private readonly SessionKiller _killer = new();
    private PortalFactory _portal = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _portal = await PortalFactory.CreateAsync("dbinterruption", services: s => s.ConfigureDbContext<PortalDbContext>(o => o.AddInterceptors(_killer)));
        _admin = _portal.ApiClient("admin");
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task GetComponents_AnswersAsUsual_WhenTheConnectionIsLostDuringTheRead()
    {
        using (var created = await _admin.CreateComponentAsync("read-through", "ops"))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a component to list");
        _killer.KillBefore(sql => sql.StartsWith("SELECT", StringComparison.Ordinal) && sql.Contains("FROM components", StringComparison.Ordinal));

        using var response = await _admin.GetAsync("/api/v1/components");

        var body = await response.ExpectJsonAsync(HttpStatusCode.OK, "listing components with a dropped connection");
        Assert.Equal(1, _killer.Kills);
        Assert.Contains("read-through", body["items"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PostComponents_Answers503NothingSaved_WhenTheConnectionIsLostInTheUnitOfWork_AndASecondTrySavesItOnce()
    {
        _killer.KillBefore(sql => sql.Contains("INSERT INTO components", StringComparison.Ordinal));

        using var response = await _admin.CreateComponentAsync("lost-insert", "ops");

        var detail = await ExpectUnavailableAsync(response);
        Assert.Equal(1, _killer.Kills);
        Assert.Contains("nothing was saved", detail);
        Assert.Equal(0, await AuditEventsForAsync("component/lost-insert"));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/components/lost-insert")).StatusCode);

        using var again = await _admin.CreateComponentAsync("lost-insert", "ops");

        await again.ExpectJsonAsync(HttpStatusCode.Created, "sending the same request again");
        Assert.Equal(1, await AuditEventsForAsync("component/lost-insert"));
    }

    [Fact]
    public async Task PostComponents_Answers503OutcomeUnknown_WhenTheConnectionIsLostAtCommit()
    {
        _killer.KillBeforeCommit();

        using var response = await _admin.CreateComponentAsync("lost-commit", "ops");

        var detail = await ExpectUnavailableAsync(response);
        Assert.Equal(1, _killer.Kills);
        Assert.Contains("whether it was saved is unknown", detail);
        Assert.DoesNotContain("nothing was saved", detail);
    }

    private static async Task<string> ExpectUnavailableAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectJsonAsync(HttpStatusCode.ServiceUnavailable, "a request whose connection was dropped");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to try again (Retry-After)");
        var detail = problem["detail"]!.GetValue<string>();
        Assert.DoesNotContain("Npgsql", detail);
        return detail;
    }

    private async Task<int> AuditEventsForAsync(string target)
    {
        await using var db = _portal.Db.CreateContext();
        return await db.AuditEvents.CountAsync(e => e.Target == target);
    }

    /// <summary>Ends the session a chosen command (or COMMIT) is about to run on, once, as a PostgreSQL restart would.</summary>
    private sealed class SessionKiller : DbCommandInterceptor, IDbTransactionInterceptor
    {
        private Func<string, bool>? _command;
        private bool _commit;
        private int _kills;

        public int Kills => _kills;

        public void KillBefore(Func<string, bool> command) => _command = command;

        public void KillBeforeCommit() => _commit = true;

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken ct = default)
        {
            if (_command?.Invoke(command.CommandText) == true)
            {
                _command = null;
                await KillAsync(command.Connection!, ct);
            }
            return result;
        }

        public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken ct = default)
        {
            if (_commit)
            {
                _commit = false;
                await KillAsync(transaction.Connection!, ct);
            }
            return result;
        }

        private async Task KillAsync(DbConnection victim, CancellationToken ct)
        {
            var pid = ((NpgsqlConnection)victim).ProcessID;
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(victim.ConnectionString) { Pooling = false }.ConnectionString);
            await admin.OpenAsync(ct);
            // The second argument waits until the session has really ended, so the command that follows meets a dead socket.
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 5000)", admin) { Parameters = { new("pid", pid) } };
            Assert.True((bool)(await terminate.ExecuteScalarAsync(ct))!, "pg_terminate_backend ended the session");
            Interlocked.Increment(ref _kills);
        }
    }
}
