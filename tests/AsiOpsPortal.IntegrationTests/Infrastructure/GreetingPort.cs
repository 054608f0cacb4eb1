using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback port where something else than an API server answers at once, as an SSH daemon greets every connection:
/// an open port that a TLS handshake fails against.
/// </summary>
public sealed class GreetingPort : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public GreetingPort()
    {
        _listener.Start();
        _ = GreetAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task GreetAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.6\r\n"), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
