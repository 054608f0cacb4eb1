using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Rollouts;
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
    private readonly ConcurrentDictionary<Guid, ServedResources> _served = new();
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

    public async Task ApplyAsync(ClusterTarget target, IReadOnlyList<ManifestObject> objects, string fieldManager,
        IReadOnlyDictionary<string, string> annotations, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldManager);
        // Kinds whose CRD this batch applied: the API server serves them only once it has established the CRD.
        var definedHere = new HashSet<(string Group, string Kind)>();
        foreach (var manifest in objects)
        {
            var obj = manifest.WithAnnotations(annotations);
            var doing = $"applying {obj.Ref}";
            await CallAsync(target, ct, doing, async client =>
            {
                var resource = await ResourceForAsync(client, target, obj.Ref, ct)
                    ?? await EstablishedAsync(client, target, obj.Ref, definedHere, ct)
                    ?? throw new ClusterCallException(ClusterFailure.UnknownKind,
                        $"{target.Name}: the cluster does not serve kind {obj.Kind} in apiVersion {obj.ApiVersion} — is its CRD installed? ({obj.Ref} and the objects after it were not applied.)");
                var patch = new V1Patch(obj.Json, V1Patch.PatchType.ApplyPatch);
                if (resource.Namespaced)
                {
                    await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, resource.Group, resource.Version, NamespaceOf(target, obj.Ref, doing),
                        resource.Plural, obj.Name, fieldManager: fieldManager, force: true, cancellationToken: ct);
                }
                else
                {
                    await client.CustomObjects.PatchClusterCustomObjectAsync(patch, resource.Group, resource.Version, resource.Plural, obj.Name,
                        fieldManager: fieldManager, force: true, cancellationToken: ct);
                }
            });
            if (DefinedKind(obj) is { } defined) definedHere.Add(defined);
        }
    }

    /// <summary>How long objects wait for a CRD applied just before them to be served; establishing one takes a second or two.</summary>
    private static readonly TimeSpan CrdEstablishWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the object's kind comes from a CRD applied earlier in the same batch, waits (asking discovery again) until the
    /// cluster serves it; null when the kind is not one of those, or the wait runs out.
    /// </summary>
    private async Task<ServedResource?> EstablishedAsync(k8s.Kubernetes client, ClusterTarget target, ObjectRef obj,
        HashSet<(string Group, string Kind)> definedHere, CancellationToken ct)
    {
        if (ServedResources.Split(obj.ApiVersion) is not var (group, _) || !definedHere.Contains((group, obj.Kind))) return null;
        var deadline = DateTimeOffset.UtcNow + CrdEstablishWait;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            if (await ResourceForAsync(client, target, obj, ct) is { } served) return served;
        }
        return null;
    }

    /// <summary>The group and kind a CustomResourceDefinition defines; null for any other object.</summary>
    private static (string Group, string Kind)? DefinedKind(ManifestObject obj)
    {
        if (obj.Kind != "CustomResourceDefinition" || !obj.ApiVersion.StartsWith("apiextensions.k8s.io/", StringComparison.Ordinal)) return null;
        var spec = JsonNode.Parse(obj.Json)?["spec"];
        return spec?["group"]?.GetValue<string>() is { } group && spec["names"]?["kind"]?.GetValue<string>() is { } kind ? (group, kind) : null;
    }

    public Task<LiveObject?> GetObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct) => CallAsync(target, ct, $"reading {obj}", async client =>
    {
        // A kind the cluster does not serve has no objects.
        if (await ResourceForAsync(client, target, obj, ct) is not { } resource) return null;
        try
        {
            var found = resource.Namespaced
                ? await client.CustomObjects.GetNamespacedCustomObjectAsync(resource.Group, resource.Version, NamespaceOf(target, obj, $"reading {obj}"), resource.Plural, obj.Name, ct)
                : await client.CustomObjects.GetClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural, obj.Name, ct);
            return LiveObject.FromJson(Json(found));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return (LiveObject?)null;
        }
    });

    public Task<LiveObject?> WatchObjectAsync(ClusterTarget target, ObjectRef obj, Func<LiveObject?, bool> until, TimeSpan maxWait, CancellationToken ct) =>
        CallAsync(target, ct, $"watching {obj}", async client =>
        {
            if (await ResourceForAsync(client, target, obj, ct) is not { } resource) return null;
            // The client ends the watch at maxWait; timeoutSeconds only tells the server not to keep it open long after.
            var seconds = (int)Math.Ceiling(maxWait.TotalSeconds) + 1;
            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            window.CancelAfter(maxWait);
            // No resourceVersion: the stream starts with the object as it is now (ADDED), then each change to it.
            var fieldSelector = $"metadata.name={obj.Name}";
            var stream = resource.Namespaced
                ? client.CustomObjects.WatchListNamespacedCustomObjectAsync(resource.Group, resource.Version, NamespaceOf(target, obj, $"watching {obj}"),
                    resource.Plural, fieldSelector: fieldSelector, timeoutSeconds: seconds, cancellationToken: window.Token)
                : client.CustomObjects.WatchListClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural,
                    fieldSelector: fieldSelector, timeoutSeconds: seconds, cancellationToken: window.Token);
            LiveObject? last = null;
            try
            {
                await foreach (var (type, item) in stream)
                {
                    if (type is WatchEventType.Bookmark or WatchEventType.Error) continue;
                    last = type == WatchEventType.Deleted ? null : LiveObject.FromJson(Json(item));
                    if (until(last)) break;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // maxWait passed: what we saw last is the answer.
            }
            catch (HttpRequestException e) when (Find<EndOfStreamException>(e) is not null)
            {
                // The server closed a stream that carried no event (the object does not exist): the library reads that as a broken body.
            }
            return last;
        });

    public Task DeleteObjectAsync(ClusterTarget target, ObjectRef obj, CancellationToken ct) => CallAsync(target, ct, $"deleting {obj}", async client =>
    {
        if (await ResourceForAsync(client, target, obj, ct) is not { } resource) return;
        // Background is kubectl's default: the object goes now, its ReplicaSets and pods are collected after.
        var options = new V1DeleteOptions { PropagationPolicy = "Background" };
        try
        {
            if (resource.Namespaced)
            {
                await client.CustomObjects.DeleteNamespacedCustomObjectAsync(resource.Group, resource.Version, NamespaceOf(target, obj, $"deleting {obj}"),
                    resource.Plural, obj.Name, options, cancellationToken: ct);
            }
            else
            {
                await client.CustomObjects.DeleteClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural, obj.Name, options, cancellationToken: ct);
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    });

    public void Forget(Guid clusterId)
    {
        if (_clients.TryRemove(clusterId, out var entry)) entry.Client.Dispose();
        if (_limiters.TryRemove(clusterId, out var limiter)) limiter.Dispose();
        _served.TryRemove(clusterId, out _);
    }

    /// <summary>The REST resource serving the object's kind, from discovery; null when the cluster does not serve it.</summary>
    private async Task<ServedResource?> ResourceForAsync(k8s.Kubernetes client, ClusterTarget target, ObjectRef obj, CancellationToken ct)
    {
        var served = _served.GetOrAdd(target.ClusterId, _ => new ServedResources());
        if (served.Find(obj.ApiVersion, obj.Kind) is { } known) return known;
        if (ServedResources.Split(obj.ApiVersion) is not { } groupVersion) return null;
        var (group, version) = groupVersion;

        V1APIResourceList list;
        try
        {
            list = await client.CustomObjects.GetAPIResourcesAsync(group, version, ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        var kinds = (list.Resources ?? [])
            .Where(r => !r.Name.Contains('/')) // subresources such as deployments/scale share their parent's kind
            .GroupBy(r => r.Kind, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new ServedResource(group, version, g.First().Name, g.First().Namespaced), StringComparer.Ordinal);
        served.Remember(obj.ApiVersion, kinds);
        return kinds.GetValueOrDefault(obj.Kind);
    }

    /// <summary>Custom-object calls hand back untyped objects: JSON elements, as a rule.</summary>
    private static string Json(object found) => found is JsonElement json ? json.GetRawText() : KubernetesJson.Serialize(found);

    private static string NamespaceOf(ClusterTarget target, ObjectRef obj, string doing) =>
        obj.Namespace ?? throw new ClusterCallException(ClusterFailure.Invalid,
            $"{target.Name}: {doing}: {obj.Kind} is a namespaced kind, but the object names no namespace. Give the component a namespace or set metadata.namespace.");

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

    private Task<T> CallAsync<T>(ClusterTarget target, CancellationToken ct, Func<k8s.Kubernetes, Task<T>> call) => CallAsync(target, ct, null, call);

    private Task CallAsync(ClusterTarget target, CancellationToken ct, string doing, Func<k8s.Kubernetes, Task> call) =>
        CallAsync(target, ct, doing, async client =>
        {
            await call(client);
            return true;
        });

    /// <param name="doing">What the call does to which object ("applying Deployment web/web"), for the failure message.</param>
    private async Task<T> CallAsync<T>(ClusterTarget target, CancellationToken ct, string? doing, Func<k8s.Kubernetes, Task<T>> call)
    {
        var client = ClientFor(target);
        try
        {
            return await call(client);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // The client enforces its timeout by cancelling: a cancellation nobody asked for is a timeout. Said like any
            // other failure to reach the server, so messages do not tell a filtered port from a closed one.
            throw Unreachable(ClusterFailure.Timeout, target, client.BaseUri, doing, e);
        }
        catch (Exception e) when (Translate(target, e, doing, client.BaseUri) is { } translated)
        {
            throw translated;
        }
    }

    private k8s.Kubernetes ClientFor(ClusterTarget target)
    {
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(target.Context + "\n" + target.Kubeconfig)));
        if (_clients.TryGetValue(target.ClusterId, out var cached) && cached.Fingerprint == fingerprint)
            return cached.Client;

        var config = Kubeconfig.ClientConfiguration(target.Kubeconfig, target.Context);
        config.HttpClientTimeout = _options.RequestTimeout;
        config.FirstMessageHandlerSetup = handler =>
        {
            if (handler is SocketsHttpHandler sockets) sockets.ConnectCallback = (context, ct) => ConnectIfAllowedAsync(context, _options.AllowedAddresses, ct);
        };
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
        // A new kubeconfig may point at another API server, which may serve other kinds.
        _served.TryRemove(target.ClusterId, out _);
        return entry.Client;
    }

    /// <summary>Connects only to addresses the address rules allow, judged on what the host resolves to now.</summary>
    private static async ValueTask<Stream> ConnectIfAllowedAsync(SocketsHttpConnectionContext context, IReadOnlyCollection<string> allowed, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (ApiServerAddressRules.Problem(host, addresses, allowed) is { } problem) throw new ApiServerAddressRefusedException(problem);
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class ApiServerAddressRefusedException(string message) : Exception(message);

    /// <summary>Turns transport and API failures into messages that say what to check.</summary>
    internal static Exception? Translate(ClusterTarget target, Exception e, string? doing = null, Uri? server = null)
    {
        var subject = Subject(target, doing);
        switch (e)
        {
            case KubeconfigException or ClusterCallException:
                return null;
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } http:
                return new ClusterCallException(ClusterFailure.Unauthorized, $"{subject}: the API server rejected the credentials (401). The token or client certificate is wrong or expired.", http);
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http when doing is null:
                return new ClusterCallException(ClusterFailure.Forbidden, $"{subject}: the credentials are valid but not allowed to do this (403). Grant the portal's service account read access to nodes.", http);
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http:
                return new ClusterCallException(ClusterFailure.Forbidden, $"{subject}: the credentials are valid but not allowed to do this (403){Said(http)}. Grant the portal's service account the rights this needs.", http);
            // Object verbs get the server's own words: "namespaces \"shop\" not found", the conflicting field manager, the invalid field.
            case HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } http when doing is not null:
                return new ClusterCallException(ClusterFailure.NotFound, $"{subject}: not found (404){Said(http)}.", http);
            case HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } http when doing is not null:
                return new ClusterCallException(ClusterFailure.Conflict, $"{subject}: conflict (409){Said(http)}.", http);
            case HttpOperationException { Response.StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity } http when doing is not null:
                return new ClusterCallException(ClusterFailure.Invalid, $"{subject}: the API server refused it as invalid ({(int)http.Response.StatusCode}){Said(http)}.", http);
            case HttpOperationException http:
                return new ClusterCallException(ClusterFailure.ServerError, $"{subject}: the API server answered {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}{Said(http)}.", http);
            case HttpRequestException http when Find<ApiServerAddressRefusedException>(http) is { } refused:
                return new ClusterCallException(ClusterFailure.Unreachable, $"{subject}: {refused.Message}", http);
            // Refused, reset, no route, unknown host, a failed TLS handshake (something answered, but not a TLS server the
            // kubeconfig's CA vouches for): one message, so registering URLs cannot map which ports are open inside the
            // network. The socket's or handshake's own words stay in the inner exception, for the server log.
            case HttpRequestException http:
                return Unreachable(ClusterFailure.Unreachable, target, server, doing, http);
            case System.Text.Json.JsonException json:
                return new ClusterCallException(ClusterFailure.BadResponse, $"{subject}: the server's answer is not Kubernetes API JSON. Is the URL an API server?", json);
            default:
                return null;
        }
    }

    /// <summary>The one message for every way of not reaching an API server: it names the address, never the socket error.</summary>
    private static ClusterCallException Unreachable(ClusterFailure failure, ClusterTarget target, Uri? server, string? doing, Exception inner) =>
        new(failure, $"{Subject(target, doing)}: could not reach the API server{(server is null ? "" : $" at {server.Host}:{server.Port}")}. Check the server URL (scheme, host and port), DNS, firewalls, the kubeconfig's certificate-authority-data and that the API server is up.", inner);

    private static string Subject(ClusterTarget target, string? doing) => doing is null ? target.Name : $"{target.Name}: {doing}";

    /// <summary>": " and the message of the Kubernetes Status the server answered with, if it sent one.</summary>
    private static string Said(HttpOperationException http)
    {
        const int limit = 500;
        try
        {
            using var body = JsonDocument.Parse(http.Response.Content ?? "");
            if (body.RootElement.ValueKind != JsonValueKind.Object
                || !body.RootElement.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String
                || message.GetString() is not { Length: > 0 } text)
                return "";
            return ": " + (text.Length <= limit ? text.TrimEnd('.') : text[..limit] + "…");
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static TException? Find<TException>(Exception e) where TException : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
            if (current is TException match) return match;
        return null;
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
