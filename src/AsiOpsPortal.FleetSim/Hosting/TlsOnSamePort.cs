using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AsiOpsPortal.FleetSim.Hosting;

/// <summary>
/// Serves plain HTTP and HTTPS on one port by peeking at each connection's first byte (0x16 opens a TLS handshake).
/// HTTPS exists for kubectl: client-go ignores a kubeconfig's credentials unless the server URL is https, so the
/// written kubeconfigs use https with the simulator's self-signed certificate while BaseUrl stays plain http.
/// </summary>
internal static class TlsOnSamePort
{
    private const byte TlsHandshake = 0x16;

    public static void UseHttpAndHttps(this ListenOptions listen, X509Certificate2 certificate)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.Use(next => async connection =>
        {
            var input = connection.Transport.Input;
            var first = await input.ReadAtLeastAsync(1, connection.ConnectionClosed);
            var isTls = !first.Buffer.IsEmpty && first.Buffer.FirstSpan[0] == TlsHandshake;
            input.AdvanceTo(first.Buffer.Start); // peek only: the byte stays for whoever reads next
            if (!isTls)
            {
                await next(connection);
                return;
            }

            var plain = connection.Transport;
            await using var tls = new SslStream(new DuplexStream(plain.Input.AsStream(), plain.Output.AsStream()));
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, connection.ConnectionClosed);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                return; // a client that gives up mid-handshake just loses its connection
            }
            connection.Transport = new Pipe(PipeReader.Create(tls), PipeWriter.Create(tls));
            try
            {
                await next(connection);
            }
            finally
            {
                connection.Transport = plain;
            }
        });
    }

    /// <summary>The file in the kubeconfig directory that keeps the certificate across restarts.</summary>
    public const string CertificateFile = "fleetsim-tls.pfx";

    /// <summary>
    /// The certificate kept in <paramref name="directory"/> while it stays valid for another day, else a new one saved
    /// there: kubeconfigs handed out earlier (and imported into the portal) keep working after a restart.
    /// </summary>
    public static X509Certificate2 LoadOrCreateCertificate(string? directory)
    {
        if (directory is null) return CreateCertificate();
        var path = Path.Combine(directory, CertificateFile);
        if (File.Exists(path))
        {
            try
            {
                var kept = X509CertificateLoader.LoadPkcs12FromFile(path, null);
                if (kept.HasPrivateKey && kept.NotAfter > DateTime.Now.AddDays(1)) return kept;
                kept.Dispose();
            }
            catch (CryptographicException)
            {
                // Unreadable: replace it below.
            }
        }
        var created = CreateCertificate();
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(path, created.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return created;
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost; the kubeconfigs carry it as their CA.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fleetsim", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>One bidirectional stream over the connection's two pipe directions, as SslStream needs.</summary>
    private sealed class DuplexStream(Stream reader, Stream writer) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => reader.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => reader.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => reader.ReadAsync(buffer, offset, count, ct);
        public override void Write(byte[] buffer, int offset, int count) => writer.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => writer.WriteAsync(buffer, ct);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => writer.WriteAsync(buffer, offset, count, ct);
        public override void Flush() => writer.Flush();
        public override Task FlushAsync(CancellationToken ct) => writer.FlushAsync(ct);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Dispose();
                writer.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
