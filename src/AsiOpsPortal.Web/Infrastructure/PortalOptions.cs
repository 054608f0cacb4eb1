using System.ComponentModel.DataAnnotations;

namespace AsiOpsPortal.Web.Infrastructure;

public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Apply EF migrations when the host starts (demo and tests; production runs them as a separate step).</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Apply EF migrations and exit: the deployment's separate migrate step (docker compose's `migrate` service).</summary>
    public bool MigrateOnly { get; set; }

    /// <summary>What this instance runs: web pages and API, Hangfire workers, or both.</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>How often the recurring inventory sync runs (cron).</summary>
    [Required] public string InventorySyncCron { get; set; } = "*/2 * * * *";

    /// <summary>How many clusters one sync talks to at once.</summary>
    [Range(1, 256)] public int SyncParallelism { get; set; } = 16;

    /// <summary>The whole sync of one cluster gives up after this long and marks it unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:30:00")] public TimeSpan ClusterSyncTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Nodes per list request during a sync.</summary>
    [Range(10, 5000)] public int NodePageSize { get; set; } = 500;

    /// <summary>How often Hangfire workers look for new jobs; its default of 15 s would dwarf a wave.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a running rollout looks at its change again (a pause, a soak's end) while its clusters' work runs; convergence itself is watched.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan RolloutPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one rollout job runs before handing over to a fresh job (keeps jobs well inside Hangfire's invisibility timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:04:00")] public TimeSpan RolloutJobSlice { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A rollout with no cluster work in flight whose next decision (a soak's end, a freeze's end, another change's turn on a
    /// cluster) is at least this far away lets its worker go and is woken by a scheduled job: a soak or a freeze must not
    /// hold a Hangfire worker while nothing happens.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan RolloutParkAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a rollout job may keep its worker once every step in flight has applied and only waits to converge. Then the
    /// job lets the worker go; a watch carries on without one and wakes the rollout when a workload converges or a step's
    /// deadline comes. Zero (the default) lets go as soon as the step has been watched briefly: with hundreds of rollouts
    /// converging together, a worker held for seconds each would queue them behind one another.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:04:00")] public TimeSpan RolloutWorkHold { get; set; } = TimeSpan.Zero;

    /// <summary>Hangfire workers per queue: rollouts on their own, so neither they nor syncs and the rest can starve the other.</summary>
    public WorkerOptions Workers { get; set; } = new();

    /// <summary>How often a worker looks for running rollouts that no live worker drives (after a crash) and restarts them.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")] public TimeSpan RolloutWatchdogInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a signed-in session is checked against its user (role changes, lockout): on every request's cookie, and on
    /// open pages. Identity's own default is 30 minutes, too long to leave a removed Admin at work.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")] public TimeSpan SessionRevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Failed password sign-ins one account name may have per <see cref="FailedLoginWindow"/>; more attempts are refused,
    /// unchecked, until the window ends. The account is never locked by this: its API tokens and single sign-on keep working.
    /// </summary>
    [Range(1, 1000)] public int FailedLoginsPerAccount { get; set; } = 5;

    /// <summary>Failed password sign-ins one client address may have per <see cref="FailedLoginWindow"/>, whatever names it tries.</summary>
    [Range(1, 100000)] public int FailedLoginsPerAddress { get; set; } = 20;

    /// <summary>The window the failed sign-in limits count in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reverse proxies (IP addresses or CIDR ranges) whose X-Forwarded-For and X-Forwarded-Proto the portal believes, so the
    /// audit trail records the client's address and sign-in redirects keep https behind a TLS proxy. Empty: both are ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// Where clusters' API servers may be: addresses, CIDR ranges ("10.20.0.0/16"), host names or "*.example.com". The
    /// portal never connects to a server resolving elsewhere (checked at every connection), so it cannot be registered.
    /// Empty: any address but the ones never allowed (link-local, cloud metadata, unspecified); loopback included, for the
    /// demo's FleetSim. Production should list its ranges.
    /// </summary>
    public List<string> ClusterAddresses { get; set; } = [];

    /// <summary>Hosts webhook gates may call ("gates.example.com", or "*.example.com" for its subdomains). Empty: no gate may be called.</summary>
    public List<string> GateAllowedHosts { get; set; } = [];
}

/// <summary>Worker threads of this instance's Hangfire servers, one server per queue.</summary>
public sealed class WorkerOptions
{
    /// <summary>Rollout jobs (queue "rollouts"). A job holds a worker only while it decides or briefly waits on clusters.</summary>
    [Range(1, 500)] public int Rollouts { get; set; } = 20;

    /// <summary>Everything else (queue "default"): inventory syncs, "Sync now", and later notifications and probes.</summary>
    [Range(1, 500)] public int Default { get; set; } = 10;
}
