using System.Net.Http.Headers;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Demo;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Tests.Shared.Hosting;

/// <summary>
/// The real portal (Hangfire on PostgreSQL included) over a fresh test database, with the five demo users and an API
/// token each. <see cref="StartOnKestrelAsync"/> serves it on a loopback port for browsers and kubectl-style clients.
/// </summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public TestPostgres Db { get; }
    public IReadOnlyDictionary<string, string> Tokens => _tokens;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly Dictionary<string, string> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _onKestrel;
    private bool _ownsDb = true;

    private PortalFactory(TestPostgres db, IReadOnlyDictionary<string, string>? settings, bool onKestrel, Action<IServiceCollection>? services = null)
    {
        Db = db;
        // Every test portal encrypts its key ring, as production must; one key per database, so a restart reads its keys.
        KeyEncryptionKeyFile = Path.Combine(Path.GetTempPath(), $"asiops-kek-{db.Database}.key");
        if (!File.Exists(KeyEncryptionKeyFile)) WriteKeyFile(KeyEncryptionKeyFile);
        _onKestrel = onKestrel;
        _services = services;
        _settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = db.ConnectionString,
            ["Portal:MigrateOnStartup"] = "true",
            ["Portal:QueuePollInterval"] = "00:00:00.200",
            // Tests sync on demand; the recurring job must not race them.
            ["Portal:InventorySyncCron"] = "0 0 31 2 *",
            ["Clusters:Client:Qps"] = "100",
            ["Clusters:Client:Burst"] = "200",
            ["Clusters:Client:RequestTimeout"] = "00:00:03",
            ["Portal:ClusterSyncTimeout"] = "00:00:05",
            ["Portal:KeyEncryption:KeyFile"] = KeyEncryptionKeyFile,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) _settings[key] = value;
    }

    /// <summary>Creates the database, starts the host in memory and seeds the demo users with one API token each.</summary>
    public static async Task<PortalFactory> CreateAsync(string purpose, IReadOnlyDictionary<string, string>? settings = null, bool kestrel = false,
        Action<IServiceCollection>? services = null)
    {
        var db = await TestPostgres.CreateAsync(purpose);
        var factory = new PortalFactory(db, settings, kestrel, services);
        if (kestrel) factory.UseKestrel(0);
        factory.StartServer();
        await factory.SeedUsersAsync();
        return factory;
    }

    /// <summary>
    /// Stops this portal (its Hangfire workers with it) and starts a fresh one over the same database, as after a crash
    /// and restart. The new one owns the database from then on; this one must not be used again.
    /// </summary>
    public async Task<PortalFactory> RestartAsync()
    {
        _ownsDb = false;
        await DisposeAsync();
        var successor = new PortalFactory(Db, _settings, onKestrel: false);
        successor.StartServer();
        foreach (var (user, token) in _tokens) successor._tokens[user] = token;
        return successor;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        // Test passwords need no brute-force cost, and every portal hashes five of them on start; a hash records its own
        // iteration count, so signing in checks it exactly as in production.
        builder.ConfigureTestServices(s => s.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000));
        // After the app's own registrations, so a test's replacement wins.
        if (_services is not null) builder.ConfigureTestServices(_services);
    }

    /// <summary>The loopback URL when started with Kestrel, e.g. http://127.0.0.1:41234.</summary>
    public string ServerAddress =>
        Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1").Replace("localhost", "127.0.0.1");

    public HttpClient ApiClient(string user)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[user]);
        return client;
    }

    /// <summary>On Kestrel, clients must call the port the portal listens on; the factory's default is http://localhost:80.</summary>
    public HttpClient AnonymousClient() => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        BaseAddress = _onKestrel ? new Uri(ServerAddress) : new WebApplicationFactoryClientOptions().BaseAddress,
    });

    private async Task SeedUsersAsync()
    {
        var users = Services.GetRequiredService<UserAdminService>();
        var tokens = Services.GetRequiredService<ApiTokenService>();
        foreach (var (name, password, role) in DemoSeeder.Users)
        {
            await users.EnsureUserAsync(name, name, password, role);
            _tokens[name] = (await tokens.CreateAsync(new Actor(name, role), "tests", expiresInDays: 1)).Token;
        }
    }

    /// <summary>The key-encryption key this portal's Data Protection keys are encrypted with.</summary>
    public string KeyEncryptionKeyFile { get; }

    /// <summary>32 random bytes in base64, readable by the owner only: what scripts/run.sh makes for the demo.</summary>
    public static void WriteKeyFile(string path)
    {
        File.WriteAllText(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public static string PasswordOf(string user) => DemoSeeder.Users.Single(u => u.Name == user).Password;

    public static string RoleOf(string user) => DemoSeeder.Users.Single(u => u.Name == user).Role;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDb)
        {
            await Db.DisposeAsync();
            File.Delete(KeyEncryptionKeyFile);
        }
    }
}
