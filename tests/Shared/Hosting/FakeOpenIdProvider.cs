using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AsiOpsPortal.Tests.Shared.Hosting;

/// <summary>What the provider says at the next /authorize: who the person is, or that it refuses them.</summary>
public sealed record ProviderAnswer(string? Subject, string? PreferredUsername = null, IReadOnlyList<string>? Roles = null,
    string? Email = null, string? Name = null, string? Error = null)
{
    public static ProviderAnswer Person(string subject, string preferredUsername, params string[] roles) =>
        new(subject, preferredUsername, roles);

    public static ProviderAnswer Refusal(string error) => new(Subject: null, Error: error);
}

/// <summary>
/// A minimal OpenID provider on a loopback port: discovery, a JWKS with an RSA key made for this run, an /authorize
/// that answers at once with whatever <see cref="NextAnswer"/> says (no login form; a link with
/// <see cref="ShowsConsentPage"/>), and a /token that checks the client secret, the redirect URI and PKCE before
/// handing out an RS256-signed id_token carrying the nonce.
/// </summary>
public sealed class FakeOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "asiops-portal";
    public const string ClientSecret = "fake-provider-secret";
    private const string KeyId = "fake-provider-key";

    private sealed record IssuedCode(ProviderAnswer Answer, string RedirectUri, string? Nonce, string? CodeChallenge);

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new();

    private FakeOpenIdProvider(WebApplication app) => _app = app;

    /// <summary>The issuer and base URL, e.g. http://127.0.0.1:41234; the portal's Authority.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>Whom the next /authorize vouches for, or what it refuses with.</summary>
    public ProviderAnswer NextAnswer { get; set; } = ProviderAnswer.Refusal("login_required");

    /// <summary>
    /// When set, /authorize answers with a page whose link the person follows, as after a real provider's login form: the
    /// way back to the portal then starts on the provider's site, which is what browsers judge SameSite cookies by.
    /// </summary>
    public bool ShowsConsentPage { get; set; }

    /// <summary>The portal settings that point single sign-on here.</summary>
    public IReadOnlyDictionary<string, string> PortalSettings() => new Dictionary<string, string>
    {
        ["Authentication:Oidc:Authority"] = Issuer,
        ["Authentication:Oidc:ClientId"] = ClientId,
        ["Authentication:Oidc:ClientSecret"] = ClientSecret,
        // This provider speaks plain http on loopback.
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
    };

    public static async Task<FakeOpenIdProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var provider = new FakeOpenIdProvider(builder.Build());
        provider.MapEndpoints();
        await provider._app.StartAsync();
        provider.Issuer = provider._app.Urls.Single();
        return provider;
    }

    private void MapEndpoints()
    {
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));

        _app.MapGet("/jwks", () =>
        {
            var key = _rsa.ExportParameters(includePrivateParameters: false);
            return Results.Json(new { keys = new[] { new
            {
                kty = "RSA", use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = KeyId,
                n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent),
            } } });
        });

        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var query = request.Query;
            string redirectUri = query["redirect_uri"]!;
            if (query["client_id"] != ClientId || query["response_type"] != "code" || string.IsNullOrEmpty(redirectUri))
                return Results.BadRequest("unknown client, or not the code flow");
            var answer = NextAnswer;
            var state = Uri.EscapeDataString(query["state"].ToString());
            if (answer.Error is not null)
                return Results.Redirect($"{redirectUri}?error={Uri.EscapeDataString(answer.Error)}&state={state}");
            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
            _codes[code] = new IssuedCode(answer, redirectUri, query["nonce"], query["code_challenge"]);
            var back = $"{redirectUri}?code={code}&state={state}";
            return ShowsConsentPage
                ? Results.Content($"<!DOCTYPE html><html><body><a id=\"consent\" href=\"{WebUtility.HtmlEncode(back)}\">Continue to the portal</a></body></html>", "text/html")
                : Results.Redirect(back);
        });

        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
                return TokenError("invalid_client");
            if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var issued))
                return TokenError("invalid_grant");
            if (form["redirect_uri"] != issued.RedirectUri || !ProvesPkce(form["code_verifier"], issued.CodeChallenge))
                return TokenError("invalid_grant");
            return Results.Json(new
            {
                access_token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24)),
                token_type = "Bearer",
                expires_in = 300,
                id_token = IdToken(issued),
            });
        });
    }

    private string IdToken(IssuedCode issued)
    {
        var answer = issued.Answer;
        var claims = new Dictionary<string, object>();
        if (issued.Nonce is not null) claims["nonce"] = issued.Nonce;
        if (answer.Subject is not null) claims["sub"] = answer.Subject;
        if (answer.PreferredUsername is not null) claims["preferred_username"] = answer.PreferredUsername;
        if (answer.Email is not null) claims["email"] = answer.Email;
        if (answer.Name is not null) claims["name"] = answer.Name;
        if (answer.Roles is not null) claims["roles"] = answer.Roles.ToArray();
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static bool ProvesPkce(string? verifier, string? challenge) =>
        verifier is not null && challenge == Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static IResult TokenError(string error) => Results.Json(new { error }, statusCode: StatusCodes.Status400BadRequest);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
