using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Changes;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Audit;

/// <summary>
/// The hash chain stays intact through ordinary work and concurrent appends on real PostgreSQL, names exactly what was
/// tampered with, and can be re-sealed by an Admin after a break the portal itself made.
/// </summary>
public sealed class AuditChainIntegrityTests(RolloutWorld world) : IClassFixture<RolloutWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _admin = world.Portal.ApiClient("admin");
    private AuditLog Log => world.Portal.Services.GetRequiredService<AuditLog>();

    // The case: the last approval appends change.approval and change.approved in one transaction.
    [Fact]
    public async Task Verify_ReportsIntact_WhenAChangeIsApprovedAndItsRolloutRuns()
    {
        string[] clusters = ["test-hangzhou-01"];
        await world.RegisterAsync(clusters);
        await _alice.CreateComponentAsync("audit-chain-web", "audit-chain-web", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("audit-chain-path", ChangeApi.Wave("only", clusters));
        var id = await _alice.ProposeOkAsync("audit chain", "audit-chain-web", "1.0", "audit-chain-path");

        await _bob.ApproveOkAsync(id);
        await _bob.WaitForStatusAsync(id, "Succeeded");

        var approval = Assert.Single(await _bob.AuditAsync(AuditActions.ChangeApprovalGiven), e => e!["target"]!.GetValue<string>() == $"change/{id}")!;
        var approved = Assert.Single(await _bob.AuditAsync(AuditActions.ChangeApproved), e => e!["target"]!.GetValue<string>() == $"change/{id}")!;
        Assert.True(approval["id"]!.GetValue<long>() < approved["id"]!.GetValue<long>(), "The approval is recorded before the start it caused.");
        AssertIntact(await VerifyAsync());
    }

    [Fact]
    public async Task Verify_ReportsIntact_WhenEightTransactionsAppend200EventsAtOnce()
    {
        const int workers = 8, transactionsPerWorker = 5, appendsPerTransaction = 5; // 8 × 5 × 5 = 200
        var marker = $"concurrent-{Guid.NewGuid():N}";
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var appending = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            await start.Task;
            for (var tx = 0; tx < transactionsPerWorker; tx++)
            {
                await using var db = world.Portal.Db.CreateContext();
                await using var transaction = await db.Database.BeginTransactionAsync();
                for (var n = 0; n < appendsPerTransaction; n++)
                {
                    await Log.AppendAsync(db, $"worker-{worker}", "test.concurrent", marker, $"{worker}/{tx}/{n}");
                    // Odd workers save after every append, even ones once at the end: both must chain.
                    if (worker % 2 == 1) await db.SaveChangesAsync();
                }
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            }
        })).ToList();
        start.SetResult();
        await Task.WhenAll(appending);

        AssertIntact(await VerifyAsync());
        await using var read = world.Portal.Db.CreateContext();
        var written = await read.AuditEvents.Where(e => e.Target == marker).OrderBy(e => e.Id).Select(e => e.Details).ToListAsync();
        Assert.Equal(workers * transactionsPerWorker * appendsPerTransaction, written.Count);
        // Within each transaction, ids follow the order the events were appended in, whatever order EF inserted them.
        foreach (var transaction in written.GroupBy(d => d[..d.LastIndexOf('/')]))
            Assert.Equal(Enumerable.Range(0, appendsPerTransaction).Select(n => $"{transaction.Key}/{n}"), transaction);
    }

    [Fact]
    public async Task Verify_NamesExactlyTheTamperedRow_WhenOneRowIsEditedInSql()
    {
        var marker = $"tamper-{Guid.NewGuid():N}";
        for (var n = 0; n < 5; n++) await Log.RecordAsync("bob", "test.tamper", marker, $"event {n}");
        long victim;
        await using (var db = world.Portal.Db.CreateContext())
            victim = await db.AuditEvents.Where(e => e.Target == marker).OrderBy(e => e.Id).Skip(2).Select(e => e.Id).FirstAsync();
        AssertIntact(await VerifyAsync());

        await BypassAppendOnlyAsync("""UPDATE audit_events SET "Details" = 'event forged' WHERE "Id" = @id""", ("id", victim));
        try
        {
            var verdict = await VerifyAsync();
            Assert.False(verdict["intact"]!.GetValue<bool>());
            Assert.Equal(victim, verdict["brokenEventId"]!.GetValue<long>());
            Assert.Equal(1, verdict["breaksTotal"]!.GetValue<int>());
            var only = Assert.Single(verdict["breaks"]!.AsArray())!;
            Assert.Equal(victim, only["eventId"]!.GetValue<long>());
            Assert.Contains("altered", only["reason"]!.GetValue<string>());
        }
        finally
        {
            await BypassAppendOnlyAsync("""UPDATE audit_events SET "Details" = 'event 2' WHERE "Id" = @id""", ("id", victim));
        }
        AssertIntact(await VerifyAsync());
    }

    [Fact]
    public async Task Reseal_MakesTheChainIntactAndKeepsTheOldHashes_WhenAnAdminRepairsABreakTheOldCodeMade()
    {
        var (first, second) = await AppendPairAsTheOldCodeDidAsync();
        await Log.RecordAsync("bob", "test.after-the-break", "audit-test");
        var broken = await VerifyAsync();
        Assert.Equal([second.Id], broken["breaks"]!.AsArray().Select(b => b!["eventId"]!.GetValue<long>()));

        using var response = await _admin.PostAsJsonAsync("/api/v1/audit/reseal", new { fromEventId = second.Id, reason = "chain broken by the pre-fix append" });

        var result = await response.ExpectJsonAsync(HttpStatusCode.OK, "re-sealing the chain");
        Assert.True(result["resealed"]!.GetValue<int>() >= 2, "The broken event and the one after it are re-sealed.");
        AssertIntact(await VerifyAsync());
        var record = Assert.Single(await _admin.AuditAsync(AuditActions.AuditResealed, "admin"), e => e!["target"]!.GetValue<string>() == $"audit/{second.Id}")!;
        Assert.Equal(result["auditEventId"]!.GetValue<long>(), record["id"]!.GetValue<long>());
        var details = JsonNode.Parse(record["details"]!.GetValue<string>())!;
        Assert.Equal("chain broken by the pre-fix append", details["reason"]!.GetValue<string>());
        Assert.Equal(second.Id, details["fromEventId"]!.GetValue<long>());
        var replaced = details["replaced"]!.AsArray();
        Assert.Equal(result["resealed"]!.GetValue<int>(), replaced.Count);
        var oldSecond = replaced[0]!;
        Assert.Equal(second.Id, oldSecond["id"]!.GetValue<long>());
        Assert.Equal(first.PreviousHash, oldSecond["previousHash"]!.GetValue<string>());
        Assert.Equal(second.Hash, oldSecond["hash"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reseal_IsRefused_WhenTheCallerIsNotAnAdminOrTheRequestIsIncomplete()
    {
        long last;
        await using (var db = world.Portal.Db.CreateContext())
            last = await db.AuditEvents.MaxAsync(e => e.Id);

        using (var sre = await _bob.PostAsJsonAsync("/api/v1/audit/reseal", new { fromEventId = last, reason = "because" }))
            Assert.Equal(HttpStatusCode.Forbidden, sre.StatusCode);
        using (var noReason = await _admin.PostAsJsonAsync("/api/v1/audit/reseal", new { fromEventId = last, reason = " " }))
        {
            var problem = await noReason.ExpectJsonAsync(HttpStatusCode.BadRequest, "re-sealing without a reason");
            Assert.Contains("Say why", problem["detail"]!.GetValue<string>());
        }
        using (var unknown = await _admin.PostAsJsonAsync("/api/v1/audit/reseal", new { fromEventId = last + 1_000_000, reason = "because" }))
        {
            var problem = await unknown.ExpectJsonAsync(HttpStatusCode.NotFound, "re-sealing from an unknown event");
            Assert.Contains($"#{last + 1_000_000}", problem["detail"]!.GetValue<string>());
        }
        Assert.DoesNotContain(await _admin.AuditAsync(AuditActions.AuditResealed), e => e!["target"]!.GetValue<string>() == $"audit/{last}");
    }

    /// <summary>
    /// Writes two events in one transaction the way the append before the fix did: both linked to the hash stored before
    /// them. Returns them as written.
    /// </summary>
    private async Task<(AuditEvent First, AuditEvent Second)> AppendPairAsTheOldCodeDidAsync()
    {
        await using var db = world.Portal.Db.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await Log.AppendAsync(db, "bob", "test.old-pair", "audit-test", "first"); // takes the chain lock for the transaction
        var first = db.ChangeTracker.Entries<AuditEvent>().Single().Entity;
        var second = new AuditEvent
        {
            At = first.At, Actor = "bob", Action = "test.old-pair", Target = "audit-test", Details = "second",
            PreviousHash = first.PreviousHash, Hash = "",
        };
        second.Hash = AuditChain.ComputeHash(second);
        db.AuditEvents.Add(second);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return (first, second);
    }

    private static void AssertIntact(JsonNode verdict) =>
        Assert.True(verdict["intact"]!.GetValue<bool>(), $"The chain is broken: {verdict.ToJsonString()}");

    private async Task<JsonNode> VerifyAsync()
    {
        using var response = await _bob.GetAsync("/api/v1/audit/verify");
        return await response.ExpectJsonAsync(HttpStatusCode.OK, "verifying the audit chain");
    }

    /// <summary>Runs <paramref name="sql"/> with the append-only trigger off, as someone with superuser access could.</summary>
    private async Task BypassAppendOnlyAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete", connection, tx))
            await off.ExecuteNonQueryAsync();
        await using (var command = new NpgsqlCommand(sql, connection, tx))
        {
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        await using (var on = new NpgsqlCommand("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete", connection, tx))
            await on.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
