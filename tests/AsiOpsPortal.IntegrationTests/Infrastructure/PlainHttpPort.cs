using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback port that speaks only plain HTTP and answers anything with 400, as a web server does when a TLS
/// ClientHello arrives. FleetSim itself accepts TLS on its port, so this stands in for "https:// to an http port".
/// </summary>
public sealed class PlainHttpPort : IAsyncDisposable
{
    private static readonly byte[] BadRequest = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PlainHttpPort()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[4096];
                try
                {
                    _ = await stream.ReadAsync(buffer, _stop.Token);
                    await stream.WriteAsync(BadRequest, _stop.Token);
                }
                catch (IOException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
