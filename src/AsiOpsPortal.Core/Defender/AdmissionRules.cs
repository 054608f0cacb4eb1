using System.Globalization;

namespace AsiOpsPortal.Core.Defender;

/// <summary>A budget as the decision needs it: its definition and its state, read under the state's lock.</summary>
public sealed record BudgetAccount(DefenderBudget Budget, DefenderState State);

/// <summary>An agent limit and its state, read under the state's lock.</summary>
public sealed record AgentAccount(DefenderAgentLimit Limit, DefenderState State);

/// <summary>
/// The defender's decision on one request against every budget whose scope it falls in. All or nothing: the request spends
/// one token in every window of every budget covering it, or, when any enforcing budget's window is empty or any breaker in
/// scope is open, is refused and spends nothing anywhere. Shadow budgets never refuse; they keep the count enforcing would
/// have kept (spending only when they would have allowed) and say what they would have done. Agent limits come first: a
/// client over its rate is told 429 before any budget is looked at.
/// </summary>
public static class AdmissionRules
{
    public static AdmissionVerdict Decide(AdmissionRequest request, IReadOnlyList<BudgetAccount> accounts, IReadOnlyList<AgentAccount> agents, DateTimeOffset now)
    {
        var limiting = agents.Where(a => AgentLimits.Matches(a.Limit, request)).ToList();
        foreach (var agent in limiting)
        {
            var standing = BudgetWindows.Check(SpendsOf(agent.State, AgentLimits.Window), agent.Limit.PerSecond, AgentLimits.Length, now);
            if (!standing.HasRoom)
                return new AdmissionVerdict(false, 429, null, AgentLimits.Window, $"Too many requests: user agent '{request.UserAgent}' may {agent.Limit.Verb} "
                    + $"{agent.Limit.Resource} at most {agent.Limit.PerSecond} times per second (agent limit '{agent.Limit.Pattern}'); retry in {Seconds(standing.RefillsAt!.Value - now)}.",
                    standing.RefillsAt - now, [], [], WouldRefuse: false);
        }
        var agentSpends = limiting.Select(a => WithSpends(a.State, new() { [AgentLimits.Window] = BudgetWindows.Spend(SpendsOf(a.State, AgentLimits.Window), AgentLimits.Length, now) })).ToList();

        var inScope = accounts.Where(a => DefenderRules.InScope(a.Budget.Scope, request)).OrderBy(a => a.Budget.Name, StringComparer.Ordinal).ToList();

        if (inScope.FirstOrDefault(a => IsOpen(a, now)) is { } open)
            return AdmissionVerdict.Refuse(open.Budget.Name, null, BreakerMessage(open, now), RetryAfter(open, now), [], []);

        var covering = inScope.Where(a => DefenderRules.Covers(a.Budget, request)).ToList();
        var empty = covering.Select(a => (Account: a, Empty: EmptyWindow(a, now))).Where(e => e.Empty is not null).ToList();
        var refusing = empty.Where(e => e.Account.Budget.Mode == BudgetMode.Enforce).ToList();
        if (refusing.Count > 0)
        {
            var (first, (window, standing)) = (refusing[0].Account, refusing[0].Empty!.Value);
            var counted = refusing.Select(e => (e.Account.Budget, Outcome: Refused(e.Account, e.Empty!.Value, now))).Where(c => c.Outcome is not null).ToList();
            var tripped = counted.Where(c => c.Outcome!.Value.Tripped).Select(c => c.Budget).ToList();
            var message = SpentMessage(first.Budget, window, standing, now)
                + (tripped.Count == 0 ? "" : $" Breaker opened for {string.Join(", ", tripped.Select(b => $"'{b.Name}'"))}.");
            return AdmissionVerdict.Refuse(first.Budget.Name, window, message, standing.RefillsAt - now,
                counted.Select(c => c.Outcome!.Value.State).ToList(), tripped);
        }

        var spent = covering.Where(a => !empty.Any(e => e.Account == a)).Select(a => Spend(a, now)).Concat(agentSpends).ToList();
        if (empty.Count == 0) return new AdmissionVerdict(true, 200, null, null, "Allowed.", null, spent, [], WouldRefuse: false);
        var (shadow, (shadowWindow, shadowStanding)) = (empty[0].Account, empty[0].Empty!.Value);
        return new AdmissionVerdict(true, 200, shadow.Budget.Name, shadowWindow,
            $"Allowed; shadow mode: {SpentMessage(shadow.Budget, shadowWindow, shadowStanding, now)}", null, spent, [], WouldRefuse: true);
    }

    /// <summary>
    /// The decision while an Admin has lifted the defender for the request's cluster (break-glass): allowed whatever the budgets,
    /// breakers and agent limits say, nothing spent, and the decision says whose glass it is and until when.
    /// </summary>
    public static AdmissionVerdict BreakGlass(string startedBy, string reason, DateTimeOffset endsAt) =>
        new(true, 200, null, null, $"Allowed: break-glass by {startedBy} until {Instant(endsAt)} ({reason}); the defender is lifted for this cluster.",
            null, [], [], WouldRefuse: false);

    /// <summary>Whether the budget's breaker refuses at <paramref name="now"/>: opened, and its cool-down (if any) not over.</summary>
    public static bool IsOpen(BudgetAccount account, DateTimeOffset now) =>
        account.State.BreakerOpenedAt is not null && (ClosesAt(account) is not { } closes || now < closes);

    /// <summary>When an open breaker closes by itself; null when only a person closes it.</summary>
    public static DateTimeOffset? ClosesAt(BudgetAccount account) =>
        account.Budget.Breaker.CoolDownMinutes > 0 ? account.State.BreakerOpenedAt + TimeSpan.FromMinutes(account.Budget.Breaker.CoolDownMinutes) : null;

    /// <summary>The budget's first window (shortest first) with no token left, if any.</summary>
    private static (string Window, WindowStanding Standing)? EmptyWindow(BudgetAccount account, DateTimeOffset now)
    {
        foreach (var (window, limit) in account.Budget.Limits.OrderBy(l => BudgetWindows.Known[l.Key]))
        {
            var standing = BudgetWindows.Check(SpendsOf(account.State, window), limit, BudgetWindows.Known[window], now);
            if (!standing.HasRoom) return (window, standing);
        }
        return null;
    }

    // Windows the budget no longer has are dropped with their spends; a window added later starts empty. The breaker's count
    // of refusals stays: its old ones leave its window on their own.
    private static DefenderState Spend(BudgetAccount account, DateTimeOffset now)
    {
        var spends = account.Budget.Limits.Keys.ToDictionary(w => w, w => BudgetWindows.Spend(SpendsOf(account.State, w), BudgetWindows.Known[w], now));
        var refusals = RefusalsKey(account.Budget.Breaker);
        if (account.Budget.Breaker.TripAfterRefusals > 0 && account.State.Spends.TryGetValue(refusals, out var counted)) spends[refusals] = counted;
        return WithSpends(account.State, spends);
    }

    /// <summary>The spends key under which a breaker counts its budget's refusals, e.g. "refusals:5m".</summary>
    public static string RefusalsKey(BreakerSettings breaker) => $"refusals:{breaker.RefusalWindow}";

    private static DefenderState WithSpends(DefenderState state, Dictionary<string, List<long>> spends) =>
        new() { Id = state.Id, Spends = spends, BreakerOpenedAt = state.BreakerOpenedAt, BreakerCause = state.BreakerCause };

    /// <summary>
    /// What a refusal by an enforcing budget does to it: opens its breaker when it trips on exhaustion or this is its Nth refusal
    /// within its refusal window, or else counts the refusal; null when its breaker is not armed (nothing to write).
    /// </summary>
    private static (DefenderState State, bool Tripped)? Refused(BudgetAccount account, (string Window, WindowStanding Standing) empty, DateTimeOffset now)
    {
        var breaker = account.Budget.Breaker;
        if (breaker.TripOnExhaustion) return (Trip(account, $"window {empty.Window} spent ({empty.Standing.Used}/{empty.Standing.Limit})", now), true);
        if (breaker.TripAfterRefusals == 0) return null;
        var key = RefusalsKey(breaker);
        var refusals = BudgetWindows.Spend(SpendsOf(account.State, key), BudgetWindows.Known[breaker.RefusalWindow], now);
        if (refusals.Count >= breaker.TripAfterRefusals)
            return (Trip(account, $"{refusals.Count} refusals within {breaker.RefusalWindow} (window {empty.Window} spent)", now), true);
        return (WithSpends(account.State, new(account.State.Spends) { [key] = refusals }), false);
    }

    // Opening starts the refusal count afresh: after the breaker closes, it takes N new refusals to open it again.
    private static DefenderState Trip(BudgetAccount account, string cause, DateTimeOffset now) => new()
    {
        Id = account.State.Id,
        Spends = account.State.Spends.Where(s => s.Key != RefusalsKey(account.Budget.Breaker)).ToDictionary(),
        BreakerOpenedAt = now,
        BreakerCause = cause,
    };

    private static IReadOnlyList<long> SpendsOf(DefenderState state, string window) => state.Spends.GetValueOrDefault(window) ?? [];

    private static TimeSpan? RetryAfter(BudgetAccount open, DateTimeOffset now) => ClosesAt(open) - now;

    private static string SpentMessage(DefenderBudget budget, string window, WindowStanding standing, DateTimeOffset now) =>
        $"defender budget '{budget.Name}' has no token left in its {window} window ({standing.Used}/{standing.Limit} used); "
        + $"the next token is back at {Instant(standing.RefillsAt!.Value)} (in {Seconds(standing.RefillsAt.Value - now)}).";

    private static string BreakerMessage(BudgetAccount open, DateTimeOffset now) =>
        $"the breaker of defender budget '{open.Budget.Name}' has been open since {Instant(open.State.BreakerOpenedAt!.Value)} ({open.State.BreakerCause}): "
        + "every destructive operation in its scope is refused " + (ClosesAt(open) is { } closes
            ? $"until it closes by itself at {Instant(closes)} (in {Seconds(closes - now)}) or an SRE closes it."
            : "until an SRE closes it.");

    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whole seconds, rounded up: "in 0 s" would read as "now" while the token is not back yet.</summary>
    public static int WholeSeconds(TimeSpan span) => (int)Math.Max(1, Math.Ceiling(span.TotalSeconds));

    private static string Seconds(TimeSpan span) => $"{WholeSeconds(span)} s";
}

/// <summary>
/// The defender's answer: allowed or refused with its HTTP code (403 by a budget or breaker, 429 by an agent limit), the budget
/// and window that decided (for a shadow budget: that would have refused), a message for the person or controller refused,
/// when to try again, and the states to write back.
/// </summary>
public sealed record AdmissionVerdict(bool Allowed, int Code, string? Budget, string? Window, string Message, TimeSpan? RetryAfter,
    IReadOnlyList<DefenderState> Changed, IReadOnlyList<DefenderBudget> Tripped, bool WouldRefuse)
{
    public static AdmissionVerdict Refuse(string budget, string? window, string message, TimeSpan? retryAfter,
        IReadOnlyList<DefenderState> changed, IReadOnlyList<DefenderBudget> tripped) =>
        new(false, 403, budget, window, "Refused: " + message, retryAfter, changed, tripped, WouldRefuse: false);
}
