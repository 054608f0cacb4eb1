using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>
/// The Data Protection key ring sits in the database beside the kubeconfigs it protects; encrypted with a key kept outside
/// the database, a dump of the database alone decrypts nothing.
/// </summary>
public sealed class KeyEncryptionTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private const string KubeconfigPurpose = "AsiOpsPortal.Clusters.Kubeconfig.v1";

    [Fact]
    public async Task DatabaseDump_HoldsNoUsableKey_WhenKeyRingIsEncryptedWithAKeyFile()
    {
        var sim = world.Cluster("test-hangzhou-01");
        await world.RegisterAsync(sim.Name);
        var kek = (await File.ReadAllTextAsync(world.Portal.KeyEncryptionKeyFile)).Trim();

        // Every text-like value of every table, as a pg_dump would carry it.
        var dump = await DumpTextColumnsAsync();
        Assert.NotEmpty(dump);
        Assert.DoesNotContain(dump, value => value.Contains("<masterKey", StringComparison.Ordinal));
        Assert.DoesNotContain(dump, value => value.Contains(kek, StringComparison.Ordinal));
        await using (var db = world.Portal.Db.CreateContext())
        {
            var keys = await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync();
            Assert.NotEmpty(keys);
            Assert.All(keys, xml => Assert.Contains("<kekEncryptedKey", xml));
        }
        var stored = await StoredKubeconfigAsync(sim.Name);

        // What an attacker with the dump has: the rows, and the portal's code, but not the key file.
        var withoutKek = KeyRingFromDatabase(builder => { });
        Assert.ThrowsAny<CryptographicException>(() => withoutKek.CreateProtector(KubeconfigPurpose).Unprotect(stored));

        var withKek = KeyRingFromDatabase(builder => builder.ProtectKeysWith(new KeyEncryptionOptions { KeyFile = world.Portal.KeyEncryptionKeyFile }));
        Assert.Equal(world.Fleet.Kubeconfig(sim.Name), withKek.CreateProtector(KubeconfigPurpose).Unprotect(stored));
    }

    /// <summary>A Data Protection provider over the portal's database rows only, as a second process (or a thief) would build it.</summary>
    private IDataProtectionProvider KeyRingFromDatabase(Action<IDataProtectionBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<PortalDbContext>(o => PortalDbContextOptions.Use(o, world.Portal.Db.ConnectionString));
        var builder = services.AddDataProtection().SetApplicationName("AsiOpsPortal").PersistKeysToDbContext<PortalDbContext>()
            // Reading only: a provider that cannot read the keys must not write a fresh one beside them.
            .DisableAutomaticKeyGeneration();
        configure(builder);
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    private async Task<string> StoredKubeconfigAsync(string cluster)
    {
        await using var db = world.Portal.Db.CreateContext();
        return await db.Clusters.Where(c => c.Name == cluster).Select(c => c.EncryptedKubeconfig).SingleAsync();
    }

    private async Task<List<string>> DumpTextColumnsAsync()
    {
        await using var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString);
        await connection.OpenAsync();
        var columns = new List<(string Schema, string Table, string Column, string Type)>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND c.data_type IN ('text', 'character varying', 'character', 'xml', 'json', 'jsonb', 'bytea')
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));

        var values = new List<string>();
        foreach (var (schema, table, column, type) in columns)
        {
            // bytea as escaped text: what a dump shows of bytes that happen to be text.
            var value = type == "bytea" ? $"encode(\"{column}\", 'escape')" : $"\"{column}\"::text";
            await using var select = new NpgsqlCommand($"""SELECT {value} FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL""", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        }
        return values;
    }
}

/// <summary>The certificate flavour of the KEK, and the refusal to start in Production without any.</summary>
public sealed class KeyEncryptionSettingsTests
{
    [Fact]
    public void ProtectKeysWith_EncryptsKeysToTheCertificate_AndReadsThemBackWithOnlyThePfx()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"asiops-kek-{Guid.NewGuid():N}.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=asiops-key-encryption", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }
        try
        {
            var repository = new ListXmlRepository();
            var options = new KeyEncryptionOptions { CertificatePath = pfx, CertificatePassword = "pfx-password" };

            var writer = Provider(repository, b => b.ProtectKeysWith(options));
            var secret = writer.CreateProtector("test").Protect("kubeconfig");

            var stored = Assert.Single(repository.GetAllElements()).ToString();
            Assert.DoesNotContain("<masterKey", stored);
            Assert.Contains("EncryptedData", stored);
            Assert.ThrowsAny<CryptographicException>(() => Provider(repository, _ => { }, readOnly: true).CreateProtector("test").Unprotect(secret));
            Assert.Equal("kubeconfig", Provider(repository, b => b.ProtectKeysWith(options), readOnly: true).CreateProtector("test").Unprotect(secret));
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public void ProtectKeysWith_ReadsKeysOfAPreviousKeyFile_AfterRotation()
    {
        var old = Path.GetTempFileName();
        var current = Path.GetTempFileName();
        try
        {
            Tests.Shared.Hosting.PortalFactory.WriteKeyFile(old);
            Tests.Shared.Hosting.PortalFactory.WriteKeyFile(current);
            var repository = new ListXmlRepository();
            var secret = Provider(repository, b => b.ProtectKeysWith(new KeyEncryptionOptions { KeyFile = old })).CreateProtector("test").Protect("kubeconfig");

            var rotated = new KeyEncryptionOptions { KeyFile = current, PreviousKeyFiles = [old] };
            Assert.Equal("kubeconfig", Provider(repository, b => b.ProtectKeysWith(rotated), readOnly: true).CreateProtector("test").Unprotect(secret));
            var forgotten = new KeyEncryptionOptions { KeyFile = current };
            Assert.ThrowsAny<CryptographicException>(() => Provider(repository, b => b.ProtectKeysWith(forgotten), readOnly: true).CreateProtector("test").Unprotect(secret));
        }
        finally
        {
            File.Delete(old);
            File.Delete(current);
        }
    }

    [Fact]
    public async Task Portal_RefusesToStartSayingWhatToSet_WhenProductionHasNoKeyEncryptionKey()
    {
        var portal = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [portal])
        {
            WorkingDirectory = Path.GetDirectoryName(portal)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Never reached: the portal must stop before it talks to any database.
        start.Environment["ConnectionStrings__Portal"] = "Host=127.0.0.1;Port=1;Database=none;Username=none";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(bound.Token);

        var said = await output + await errors;
        Assert.True(process.ExitCode != 0, $"The portal started in Production without a key-encryption key: {said}");
        Assert.Contains("Portal:KeyEncryption:KeyFile", said);
        Assert.Contains("Portal:KeyEncryption:CertificatePath", said);
    }

    private static IDataProtectionProvider Provider(IXmlRepository repository, Action<IDataProtectionBuilder> configure, bool readOnly = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddDataProtection().SetApplicationName("AsiOpsPortal");
        builder.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = repository);
        if (readOnly) builder.DisableAutomaticKeyGeneration();
        configure(builder);
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    /// <summary>Keys kept in a list: what the database table holds, without the database.</summary>
    private sealed class ListXmlRepository : IXmlRepository
    {
        private readonly List<XElement> _elements = [];

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            lock (_elements) return _elements.Select(e => new XElement(e)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            lock (_elements) _elements.Add(new XElement(element));
        }
    }
}
