using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using AsiOpsPortal.Core.Clusters;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Kubernetes;

/// <summary>The only code that touches the KubernetesClient library: one cached, rate-limited client per cluster.</summary>
public sealed class KubernetesClusterClient(IOptions<ClusterClientOptions> options) : IClusterClient, IDisposable
{
    private sealed record Entry(string Fingerprint, k8s.Kubernetes Client);

    private readonly ConcurrentDictionary<Guid, Entry> _clients = new();
    private readonly ConcurrentDictionary<Guid, TokenBucketRateLimiter> _limiters = new();
    private readonly ClusterClientOptions _options = options.Value;

    public Task<ClusterProbe> ProbeAsync(ClusterTarget target, CancellationToken ct) => CallAsync(target, ct, async client =>
    {
        var watch = Stopwatch.StartNew();
        var version = await client.Version.GetCodeAsync(ct);
        return new ClusterProbe(version.GitVersion, watch.Elapsed);
    });

    public Task<NodePage> ListNodesAsync(ClusterTarget target, int limit, string? continueToken, CancellationToken ct) => CallAsync(target, ct, async client =>
    {
        var list = await client.CoreV1.ListNodeAsync(limit: limit, continueParameter: continueToken, cancellationToken: ct);
        return new NodePage(list.Items.Select(ToNode).ToList(), string.IsNullOrEmpty(list.Metadata?.ContinueProperty) ? null : list.Metadata.ContinueProperty);
    });

    public void Forget(Guid clusterId)
    {
        if (_clients.TryRemove(clusterId, out var entry)) entry.Client.Dispose();
        if (_limiters.TryRemove(clusterId, out var limiter)) limiter.Dispose();
    }

    private static ClusterNode ToNode(V1Node node)
    {
        var labels = (IReadOnlyDictionary<string, string>?)node.Metadata.Labels ?? new Dictionary<string, string>();
        var conditions = (node.Status?.Conditions ?? []).Select(c => new NodeCondition(c.Type, c.Status, c.Reason, c.Message)).ToList();
        return new ClusterNode(
            node.Metadata.Name,
            NodeRules.PoolOf(labels),
            NodeRules.IsReady(conditions),
            node.Spec?.Unschedulable != true,
            node.Status?.NodeInfo?.KubeletVersion ?? "",
            conditions,
            labels);
    }

    private async Task<T> CallAsync<T>(ClusterTarget target, CancellationToken ct, Func<k8s.Kubernetes, Task<T>> call)
    {
        var client = ClientFor(target);
        try
        {
            return await call(client);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // The client enforces its timeout by cancelling: a cancellation nobody asked for is a timeout.
            throw new ClusterCallException(ClusterFailure.Timeout, $"{target.Name}: no answer within {_options.RequestTimeout.TotalSeconds:0} s. The API server is slow or a firewall drops the traffic.", e);
        }
        catch (Exception e) when (Translate(target, e) is { } translated)
        {
            throw translated;
        }
    }

    private k8s.Kubernetes ClientFor(ClusterTarget target)
    {
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(target.Context + "\n" + target.Kubeconfig)));
        if (_clients.TryGetValue(target.ClusterId, out var cached) && cached.Fingerprint == fingerprint)
            return cached.Client;

        var config = Kubeconfig.Resolve(target.Kubeconfig, target.Context);
        config.HttpClientTimeout = _options.RequestTimeout;
        var limiter = _limiters.GetOrAdd(target.ClusterId, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.Burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(_options.Qps)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, Math.Round(_options.Qps)) / _options.Qps),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));
        var client = new k8s.Kubernetes(config, new RateLimitingHandler(limiter));
        var entry = _clients.AddOrUpdate(target.ClusterId, new Entry(fingerprint, client), (_, old) =>
        {
            old.Client.Dispose();
            return new Entry(fingerprint, client);
        });
        return entry.Client;
    }

    /// <summary>Turns transport and API failures into messages that say what to check.</summary>
    internal static Exception? Translate(ClusterTarget target, Exception e)
    {
        var server = target.Name;
        switch (e)
        {
            case KubeconfigException or ClusterCallException:
                return null;
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } http:
                return new ClusterCallException(ClusterFailure.Unauthorized, $"{server}: the API server rejected the credentials (401). The token or client certificate is wrong or expired.", http);
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http:
                return new ClusterCallException(ClusterFailure.Forbidden, $"{server}: the credentials are valid but not allowed to do this (403). Grant the portal's service account read access to nodes.", http);
            case HttpOperationException http:
                return new ClusterCallException(ClusterFailure.ServerError, $"{server}: the API server answered {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}.", http);
            case HttpRequestException http when Find<AuthenticationException>(http) is not null:
                return new ClusterCallException(ClusterFailure.Tls, $"{server}: the TLS handshake failed ({Find<AuthenticationException>(http)!.Message}). Check the server URL's scheme and the kubeconfig's certificate-authority-data.", http);
            case HttpRequestException http when Find<SocketException>(http) is { } socket:
                return new ClusterCallException(ClusterFailure.Unreachable, $"{server}: cannot connect ({socket.SocketErrorCode}). Check the server URL, DNS and network path.", http);
            case HttpRequestException http:
                return new ClusterCallException(ClusterFailure.Unreachable, $"{server}: the connection failed ({FirstLine(http)}). Check the server URL and network path.", http);
            case System.Text.Json.JsonException json:
                return new ClusterCallException(ClusterFailure.BadResponse, $"{server}: the server's answer is not Kubernetes API JSON. Is the URL an API server?", json);
            default:
                return null;
        }
    }

    private static TException? Find<TException>(Exception e) where TException : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
            if (current is TException match) return match;
        return null;
    }

    private static string FirstLine(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        return innermost.Message.Split('\n', 2)[0].Trim();
    }

    public void Dispose()
    {
        foreach (var entry in _clients.Values) entry.Client.Dispose();
        foreach (var limiter in _limiters.Values) limiter.Dispose();
    }

    private sealed class RateLimitingHandler(RateLimiter limiter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            using var lease = await limiter.AcquireAsync(1, ct);
            return await base.SendAsync(request, ct);
        }
    }
}
