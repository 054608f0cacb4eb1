using System.Net;
using System.Net.Sockets;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

public static class ClosedPort
{
    /// <summary>A loopback port nothing listens on: bound by the OS a moment ago, then released.</summary>
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
