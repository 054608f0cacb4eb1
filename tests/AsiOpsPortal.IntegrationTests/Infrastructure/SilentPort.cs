using System.Net;
using System.Net.Sockets;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>A loopback port that accepts connections and never answers: an open port behind which nothing speaks HTTP.</summary>
public sealed class SilentPort : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public SilentPort() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();
}
