using System.Data;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Web.Audit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AsiOpsPortal.Web.Defender;

/// <summary>
/// Decides destructive requests against the budgets, exactly, however many portal processes ask at once. Each decision is one
/// short transaction: lock the state rows of the budgets and agent limits the request spends from (in id order, so two
/// decisions never wait on each other in a circle) and read the breakers of budgets whose scope merely reaches it, decide with <see cref="AdmissionRules"/>, write back what was spent or
/// tripped and the decision itself, and commit. Since every spend in a budget happens under its row's lock, no two
/// decisions ever see the same tokens. Definitions are cached per process and checked against the tables in the same
/// round trip as the lock.
/// </summary>
public sealed class DefenderStore(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    private Definitions? _definitions;

    /// <summary>Budgets, agent limits and the break-glass of clusters that had not ended when they were read.</summary>
    private sealed record Definitions(string Stamp, IReadOnlyList<DefenderBudget> Budgets, IReadOnlyList<DefenderAgentLimit> AgentLimits,
        IReadOnlyList<BreakGlassView> BreakGlass)
    {
        /// <summary>The cluster's break-glass at <paramref name="now"/>: one that has ended by time no longer counts.</summary>
        public BreakGlassView? BreakGlassOf(string cluster, DateTimeOffset now) => BreakGlass.FirstOrDefault(b => b.Cluster == cluster && b.EndsAt > now);
    }

    // xmin changes with every insert and update of a row, the count with every delete. Break-glass rows are read through
    // the index on their end (with an hour's slack for clocks): starting one inserts a row there, ending one early updates it.
    private const string StampSql = """
        SELECT concat((SELECT count(*) || '/' || coalesce(sum(xmin::text::bigint), 0) FROM defender_budgets), ';',
                      (SELECT count(*) || '/' || coalesce(sum(xmin::text::bigint), 0) FROM defender_agent_limits), ';',
                      (SELECT count(*) || '/' || coalesce(sum(xmin::text::bigint), 0) FROM defender_break_glass WHERE "EndsAt" > now() - interval '1 hour'))
        """;

    private const string ReadSql = """SELECT "Id", "Spends"::text, "BreakerOpenedAt", "BreakerCause" FROM defender_states WHERE "Id" = ANY(@ids)""";

    private const string WriteStateSql = """
        UPDATE defender_states SET "Spends" = @spends::jsonb, "BreakerOpenedAt" = @openedAt, "BreakerCause" = @cause WHERE "Id" = @id
        """;

    private const string RecordSql = """
        INSERT INTO defender_decisions ("At", "User", "UserAgent", "Verb", "Resource", "Namespace", "Name", "Cluster", "Allowed", "Code", "Budget", "Window", "WouldRefuse", "Message")
        VALUES (@at, @user, @agent, @verb, @resource, @namespace, @name, @cluster, @allowed, @code, @budget, @window, @wouldRefuse, @message)
        """;

    public async Task<AdmissionVerdict> DecideAsync(AdmissionRequest request, CancellationToken ct = default)
    {
        while (true)
        {
            var definitions = _definitions ??= await LoadAsync(ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var budgets = definitions.Budgets.Where(b => DefenderRules.InScope(b.Scope, request)).ToList();
            var agents = definitions.AgentLimits.Where(l => AsiOpsPortal.Core.Defender.AgentLimits.Matches(l, request)).ToList();
            // Only rows the request may spend from are locked; budgets that merely reach it are read for their breakers.
            var spending = budgets.Where(b => DefenderRules.Covers(b, request)).Select(b => b.Id).Concat(agents.Select(a => a.Id)).Order().ToArray();
            var watching = budgets.Select(b => b.Id).Except(spending).ToArray();
            var (stamp, states) = await LockAsync(db, spending, watching, ct);
            if (stamp != definitions.Stamp)
            {
                // A budget or limit changed since this process read them: read again and decide on what is there now.
                _definitions = null;
                continue;
            }
            var now = time.GetUtcNow();
            var verdict = definitions.BreakGlassOf(request.Cluster, now) is { } glass
                ? AdmissionRules.BreakGlass(glass.StartedBy, glass.Reason, glass.EndsAt)
                : AdmissionRules.Decide(request,
                    budgets.Where(b => states.ContainsKey(b.Id)).Select(b => new BudgetAccount(b, states[b.Id])).ToList(),
                    agents.Where(a => states.ContainsKey(a.Id)).Select(a => new AgentAccount(a, states[a.Id])).ToList(), now);
            await WriteAsync(db, request, verdict, now, ct);
            if (!verdict.Allowed) await RecordRefusalAsync(db, request, verdict, ct);
            await tx.CommitAsync(ct);
            return verdict;
        }
    }

    /// <summary>Forgets the cached definitions, so this process's next decision reads them (its own edits need not wait for the stamp).</summary>
    public void Invalidate() => _definitions = null;

    private async Task<Definitions> LoadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var stamp = await db.Database.SqlQueryRaw<string>(StampSql + " AS \"Value\"").SingleAsync(ct);
        var budgets = await db.DefenderBudgets.AsNoTracking().ToListAsync(ct);
        var limits = await db.DefenderAgentLimits.AsNoTracking().ToListAsync(ct);
        return new Definitions(stamp, budgets, limits, await BreakGlassService.ActiveAsync(db, time.GetUtcNow(), ct));
    }

    /// <summary>
    /// Locks the rows of <paramref name="spending"/> (ascending ids), reads those of <paramref name="watching"/>, then reads
    /// the definitions' stamp: one round trip.
    /// </summary>
    private static async Task<(string Stamp, Dictionary<Guid, DefenderState> States)> LockAsync(PortalDbContext db, Guid[] spending, Guid[] watching,
        CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
        foreach (var (sql, ids) in new[] { (ReadSql + """ ORDER BY "Id" FOR UPDATE""", spending), (ReadSql, watching) })
        {
            var read = new NpgsqlBatchCommand(sql);
            read.Parameters.AddWithValue("ids", ids);
            batch.BatchCommands.Add(read);
        }
        // After the lock: a budget edited while this decision waited for its row is seen as edited.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(StampSql));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var states = new Dictionary<Guid, DefenderState>();
        await ReadStatesAsync(reader, states, ct);
        await reader.NextResultAsync(ct);
        await ReadStatesAsync(reader, states, ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetString(0), states);
    }

    private static async Task ReadStatesAsync(NpgsqlDataReader reader, Dictionary<Guid, DefenderState> states, CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            states[reader.GetGuid(0)] = new DefenderState
            {
                Id = reader.GetGuid(0),
                Spends = JsonColumn.Deserialize<Dictionary<string, List<long>>>(reader.GetString(1)),
                BreakerOpenedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                BreakerCause = reader.GetString(3),
            };
        }
    }

    private static async Task WriteAsync(PortalDbContext db, AdmissionRequest request, AdmissionVerdict verdict, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
        foreach (var state in verdict.Changed)
        {
            var write = new NpgsqlBatchCommand(WriteStateSql);
            write.Parameters.AddWithValue("id", state.Id);
            write.Parameters.AddWithValue("spends", JsonColumn.Serialize(state.Spends));
            write.Parameters.Add(new NpgsqlParameter("openedAt", NpgsqlDbType.TimestampTz) { Value = (object?)state.BreakerOpenedAt ?? DBNull.Value });
            write.Parameters.AddWithValue("cause", state.BreakerCause);
            batch.BatchCommands.Add(write);
        }
        var record = new NpgsqlBatchCommand(RecordSql);
        record.Parameters.AddWithValue("at", now);
        record.Parameters.AddWithValue("user", request.User);
        record.Parameters.AddWithValue("agent", request.UserAgent);
        record.Parameters.AddWithValue("verb", request.Verb);
        record.Parameters.AddWithValue("resource", request.Resource);
        record.Parameters.Add(new NpgsqlParameter("namespace", NpgsqlDbType.Text) { Value = (object?)request.Namespace ?? DBNull.Value });
        record.Parameters.AddWithValue("name", request.Name);
        record.Parameters.AddWithValue("cluster", request.Cluster);
        record.Parameters.AddWithValue("allowed", verdict.Allowed);
        record.Parameters.AddWithValue("code", verdict.Code);
        record.Parameters.Add(new NpgsqlParameter("budget", NpgsqlDbType.Text) { Value = (object?)verdict.Budget ?? DBNull.Value });
        record.Parameters.Add(new NpgsqlParameter("window", NpgsqlDbType.Text) { Value = (object?)verdict.Window ?? DBNull.Value });
        record.Parameters.AddWithValue("wouldRefuse", verdict.WouldRefuse);
        record.Parameters.AddWithValue("message", verdict.Message);
        batch.BatchCommands.Add(record);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A refusal, and each breaker it opened, is an audit event committed with the decision.</summary>
    private async Task RecordRefusalAsync(PortalDbContext db, AdmissionRequest request, AdmissionVerdict verdict, CancellationToken ct)
    {
        var target = $"cluster/{request.Cluster}/{request.Resource}/{(request.Namespace is null ? "" : request.Namespace + "/")}{request.Name}";
        await audit.AppendAsync(db, request.User, AuditActions.DefenderRefused, target,
            $"{request.Verb} by user agent '{request.UserAgent}': {verdict.Message}", succeeded: false, ct);
        foreach (var budget in verdict.Tripped)
            await audit.AppendAsync(db, request.User, AuditActions.DefenderBreakerOpened, DefenderService.Target(budget.Name),
                $"opened by {request}: {verdict.Changed.Single(s => s.Id == budget.Id).BreakerCause}", ct: ct);
        await db.SaveChangesAsync(ct);
    }
}
