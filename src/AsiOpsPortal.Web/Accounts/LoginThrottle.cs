using System.Threading.RateLimiting;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>
/// Slows password guessing without locking anyone out: failed sign-ins are counted per client address and per account
/// name, and while either is over its limit further attempts are refused before the password is checked. Locking an
/// account stays an Admin's decision; a stranger's failures must not stop its owner's API tokens.
/// Counts live in this process: behind a load balancer each instance counts its own share.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAccount;
    private readonly PartitionedRateLimiter<string> _perAddress;

    public LoginThrottle(IOptions<PortalOptions> options)
    {
        var o = options.Value;
        _perAccount = Limiter(o.FailedLoginsPerAccount, o.FailedLoginWindow);
        _perAddress = Limiter(o.FailedLoginsPerAddress, o.FailedLoginWindow);
    }

    /// <summary>How long until <paramref name="address"/> may try <paramref name="account"/> again; null when it may now.</summary>
    public TimeSpan? RetryAfter(string address, string account)
    {
        // Asking for zero permits looks at a limiter without spending anything.
        using var byAddress = _perAddress.AttemptAcquire(address, 0);
        using var byAccount = _perAccount.AttemptAcquire(AccountKey(account), 0);
        var waits = new[] { byAddress, byAccount }
            .Where(lease => !lease.IsAcquired)
            .Select(lease => lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1))
            .ToList();
        return waits.Count == 0 ? null : waits.Max();
    }

    public void RecordFailure(string address, string account)
    {
        _perAddress.AttemptAcquire(address).Dispose();
        _perAccount.AttemptAcquire(AccountKey(account)).Dispose();
    }

    // Unknown names count too, so the throttle's answers do not tell which accounts exist.
    private static string AccountKey(string account) => account.Trim().ToUpperInvariant();

    private static PartitionedRateLimiter<string> Limiter(int failures, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = failures,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _perAccount.Dispose();
        _perAddress.Dispose();
    }
}
