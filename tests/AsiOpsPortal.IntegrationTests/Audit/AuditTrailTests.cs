using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Audit;

/// <summary>What the audit trail records through the real API and login form, and that its hash chain exposes tampering.</summary>
public sealed class AuditTrailTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private const string TriggerName = "audit_events_no_update_or_delete";
    private readonly HttpClient _carol = world.Portal.ApiClient("carol");

    [Fact]
    public async Task ClusterChanges_EachLeaveAnAuditEvent_WhenRegisteredEditedAndRemoved()
    {
        var sim = world.Cluster("test-beijing-03");
        var bob = world.Portal.ApiClient("bob");

        await bob.RegisterAsync(world.Fleet, sim);
        using (var patch = await bob.PatchAsJsonAsync($"/api/v1/clusters/{sim.Name}", new { tier = 2, labels = new Dictionary<string, string> { ["team"] = "payments" } }))
        {
            var updated = await patch.ExpectJsonAsync(HttpStatusCode.OK, "editing metadata");
            Assert.Equal(2, updated["summary"]!["tier"]!.GetValue<int>());
        }
        using (var delete = await bob.DeleteAsync($"/api/v1/clusters/{sim.Name}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        var target = $"cluster/{sim.Name}";
        var registered = await SingleEventAsync(AuditActions.ClusterRegistered, "bob", target);
        Assert.Contains($"env={sim.Environment}", registered["details"]!.GetValue<string>());
        var edited = await SingleEventAsync(AuditActions.ClusterUpdated, "bob", target);
        Assert.Contains($"tier={sim.Tier}", edited["details"]!.GetValue<string>().Split("; after:")[0]);
        Assert.Contains("tier=2", edited["details"]!.GetValue<string>().Split("; after:")[1]);
        Assert.Contains("team=payments", edited["details"]!.GetValue<string>());
        await SingleEventAsync(AuditActions.ClusterRemoved, "bob", target);
        Assert.Null(await bob.GetClusterAsync(sim.Name));
    }

    [Fact]
    public async Task Login_LeavesAnAuditEvent_WhenItSucceedsAndWhenItFails()
    {
        var browser = world.Portal.NewBrowser();
        using (var wrong = await browser.PostLoginAsync("alice", "not-alices-password"))
        {
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
            Assert.Contains("error=invalid", wrong.Headers.Location!.OriginalString);
        }
        using (var right = await browser.PostLoginAsync("alice", PortalFactory.PasswordOf("alice")))
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);

        var failed = await SingleEventAsync(AuditActions.LoginFailed, "alice", "portal");
        Assert.False(failed["succeeded"]!.GetValue<bool>());
        var succeeded = await SingleEventAsync(AuditActions.Login, "alice", "portal");
        Assert.True(succeeded["succeeded"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ApiTokens_LeaveAuditEvents_WhenCreatedAndRevoked()
    {
        var dave = world.Portal.ApiClient("dave");

        using var created = await dave.PostAsJsonAsync("/api/v1/tokens", new { name = "audit-test-script", expiresInDays = 7 });
        var token = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a token");
        var secret = token["token"]!.GetValue<string>();
        using (var revoked = await dave.DeleteAsync($"/api/v1/tokens/{token["id"]!.GetValue<Guid>()}"))
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        var target = $"token/{token["prefix"]!.GetValue<string>()}";
        var createdEvent = await SingleEventAsync(AuditActions.TokenCreated, "dave", target);
        Assert.Contains("audit-test-script", createdEvent["details"]!.GetValue<string>());
        Assert.DoesNotContain(secret, createdEvent.ToJsonString());
        await SingleEventAsync(AuditActions.TokenRevoked, "dave", target);

        using var withRevoked = world.Portal.AnonymousClient();
        withRevoked.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        using var rejected = await withRevoked.GetAsync("/api/v1/clusters");
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    [Fact]
    public async Task DeniedRequest_LeavesAnAuditEvent_WhenAViewerCallsAnSreEndpoint()
    {
        var dave = world.Portal.ApiClient("dave");

        using var response = await dave.PostAsync("/api/v1/clusters/anything/sync", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var denied = await SingleEventAsync(AuditActions.AccessDenied, "dave", "POST /api/v1/clusters/anything/sync");
        Assert.False(denied["succeeded"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Verify_NamesTheAlteredEventAsFirstBrokenLink_WhenARowIsEditedInSql()
    {
        var dave = world.Portal.ApiClient("dave");
        using (await dave.PostAsync("/api/v1/clusters/tamper-marker/sync", null)) { }
        var victim = await SingleEventAsync(AuditActions.AccessDenied, "dave", "POST /api/v1/clusters/tamper-marker/sync");
        var id = victim["id"]!.GetValue<long>();
        var original = victim["details"]!.GetValue<string>();
        using (await dave.PostAsync("/api/v1/clusters/after-the-victim/sync", null)) { } // so the victim is not the last link

        Assert.True((await VerifyAsync())["intact"]!.GetValue<bool>(), "The chain is broken before anyone touched it.");

        await BypassTriggerAsync("""UPDATE audit_events SET "Details" = 'roles required: none' WHERE "Id" = @id""", id);
        try
        {
            var verdict = await VerifyAsync();
            Assert.False(verdict["intact"]!.GetValue<bool>());
            Assert.Equal(id, verdict["brokenEventId"]!.GetValue<long>());
            Assert.Contains("altered", verdict["reason"]!.GetValue<string>());
        }
        finally
        {
            await BypassTriggerAsync("""UPDATE audit_events SET "Details" = @original WHERE "Id" = @id""", id, original);
        }
        Assert.True((await VerifyAsync())["intact"]!.GetValue<bool>(), "Restoring the row did not restore the chain.");
    }

    [Fact]
    public async Task AuditTable_RefusesUpdateAndDelete_WhenTriggerIsEnabled()
    {
        var any = (await _carol.AuditAsync(AuditActions.TokenCreated)).First()!;
        var id = any["id"]!.GetValue<long>();
        await using var connection = await OpenAsync();

        foreach (var sql in new[] { """UPDATE audit_events SET "Actor" = 'mallory' WHERE "Id" = @id""", """DELETE FROM audit_events WHERE "Id" = @id""" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", id);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
        Assert.Equal(any["actor"]!.GetValue<string>(), (await SingleByIdAsync(id))["actor"]!.GetValue<string>());
    }

    private async Task<JsonNode> SingleEventAsync(string action, string actor, string target)
    {
        var events = await _carol.AuditAsync(action, actor);
        var matching = events.Where(e => e!["action"]!.GetValue<string>() == action && e["target"]!.GetValue<string>() == target).ToList();
        Assert.True(matching.Count == 1, $"Expected one {action} event by {actor} on {target}; found {matching.Count} among: {events.ToJsonString()}");
        return matching[0]!;
    }

    private async Task<JsonNode> SingleByIdAsync(long id)
    {
        using var response = await _carol.GetAsync("/api/v1/audit?pageSize=500");
        var items = (await response.ExpectJsonAsync(HttpStatusCode.OK, "reading audit"))["items"]!.AsArray();
        return items.Single(e => e!["id"]!.GetValue<long>() == id)!;
    }

    private async Task<JsonNode> VerifyAsync()
    {
        using var response = await _carol.GetAsync("/api/v1/audit/verify");
        return await response.ExpectJsonAsync(HttpStatusCode.OK, "verifying the audit chain");
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString); // as the postgres superuser
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs <paramref name="sql"/> with the append-only trigger disabled, as someone with superuser access could.</summary>
    private async Task BypassTriggerAsync(string sql, long id, string? original = null)
    {
        await using var connection = await OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var disable = new NpgsqlCommand($"ALTER TABLE audit_events DISABLE TRIGGER {TriggerName}", connection, tx))
            await disable.ExecuteNonQueryAsync();
        await using (var command = new NpgsqlCommand(sql, connection, tx))
        {
            command.Parameters.AddWithValue("id", id);
            if (original is not null) command.Parameters.AddWithValue("original", original);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        await using (var enable = new NpgsqlCommand($"ALTER TABLE audit_events ENABLE TRIGGER {TriggerName}", connection, tx))
            await enable.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
