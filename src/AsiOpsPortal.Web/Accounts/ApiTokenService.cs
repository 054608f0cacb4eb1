using System.Security.Claims;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Accounts;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public bool Active => RevokedAt is null && (ExpiresAt is null || ExpiresAt > DateTimeOffset.UtcNow);
}

/// <summary>The secret is in <see cref="Token"/> exactly once: here, at creation.</summary>
public sealed record CreatedApiToken(ApiTokenView View, string Token);

/// <summary>Personal API tokens: created (shown once), listed, revoked by their owner, and checked on every API call.</summary>
public sealed class ApiTokenService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IServiceScopeFactory scopes,
    AuditedWrite write,
    TimeProvider time)
{
    public const int MaxNameLength = 64;

    public async Task<IReadOnlyList<ApiTokenView>> ListAsync(Actor owner, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = await UserIdAsync(db, owner.Name, ct);
        return await db.ApiTokens.Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt))
            .ToListAsync(ct);
    }

    public async Task<CreatedApiToken> CreateAsync(Actor owner, string name, int? expiresInDays, CancellationToken ct = default)
    {
        name = (name ?? "").Trim();
        var errors = new List<string>();
        if (name.Length is 0 or > MaxNameLength) errors.Add($"Give the token a name of 1 to {MaxNameLength} characters, e.g. 'release-script'.");
        if (expiresInDays is < 1 or > 366) errors.Add("Expiry must be between 1 and 366 days, or none.");
        if (errors.Count > 0) throw new ValidationFailedException(errors);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = await UserIdAsync(db, owner.Name, ct);
        var secret = ApiTokenSecret.Generate();
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            UserId = userId,
            Name = name,
            TokenHash = ApiTokenSecret.Hash(secret),
            Prefix = ApiTokenSecret.PrefixOf(secret),
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        await write.RunAsync(db, owner, async audit =>
        {
            db.ApiTokens.Add(token);
            await audit.RecordAsync(AuditActions.TokenCreated, $"token/{token.Prefix}", $"name={name}");
        }, ct);
        return new CreatedApiToken(new ApiTokenView(token.Id, token.Name, token.Prefix, token.CreatedAt, token.ExpiresAt, null, null), secret);
    }

    public async Task RevokeAsync(Actor owner, Guid tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = await UserIdAsync(db, owner.Name, ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct)
            ?? throw new NotFoundException($"You have no API token with id {tokenId}.");
        if (token.RevokedAt is not null) return;
        token.RevokedAt = time.GetUtcNow();
        await write.RunAsync(db, owner, audit => audit.RecordAsync(AuditActions.TokenRevoked, $"token/{token.Prefix}", $"name={token.Name}"), ct);
    }

    /// <summary>The token's owner as a principal with their current roles, or null if the token is not good.</summary>
    public async Task<ClaimsPrincipal?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        if (!ApiTokenSecret.LooksLikeToken(secret)) return null;
        var hash = ApiTokenSecret.Hash(secret);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (token is null || !token.IsActive(now)) return null;

        // Touch last-used at most once a minute: every API call writing a row would be needless load.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(token.UserId);
        if (user is null || (user.LockoutEnd is { } end && end > now)) return null;
        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<PortalUser>>();
        return await factory.CreateAsync(user);
    }

    private static async Task<string> UserIdAsync(PortalDbContext db, string userName, CancellationToken ct) =>
        await db.Users.Where(u => u.NormalizedUserName == userName.ToUpperInvariant()).Select(u => u.Id).SingleOrDefaultAsync(ct)
        ?? throw new NotFoundException($"No user named '{userName}'.");
}
