using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Admission;

/// <summary>
/// Calls the validating webhooks that match a request, the way kube-apiserver's ValidatingAdmissionWebhook plugin does:
/// all of them in parallel, each an AdmissionReview v1 POSTed over HTTPS within its timeout; any denial or (with
/// failurePolicy Fail) any failed call refuses the request, worded exactly as the API server words it.
/// </summary>
internal static class ValidatingAdmission
{
    /// <summary>
    /// Who FleetSim says is calling: every kubeconfig it writes holds the cluster's one admin token, which a kubeadm
    /// cluster's admin.conf would map to this user.
    /// </summary>
    public const string UserName = "kubernetes-admin";
    public static readonly string[] UserGroups = ["system:masters", "system:authenticated"];

    /// <summary>The key of userInfo.extra that carries the caller's User-Agent (kube-apiserver does not send it at all).</summary>
    public const string UserAgentExtra = "user-agent";

    private static readonly ConcurrentDictionary<string, HttpClient> ClientsByCaBundle = new(StringComparer.Ordinal);

    /// <summary>What one webhook call came to: a refusal, or none (allowed, or failed open), and the warnings it returned.</summary>
    private sealed record Verdict(ApiException? Refusal, string[] Warnings);

    /// <summary>
    /// Returns when every matching webhook allowed the request; otherwise throws the refusal the caller must see. Either
    /// way the webhooks' warnings go to <paramref name="warn"/> first, as kube-apiserver returns them in both cases.
    /// </summary>
    public static async Task AdmitAsync(IReadOnlyList<Webhook> webhooks, IReadOnlyDictionary<string, string> tokens, AdmissionRequest request,
        Action<string> warn, CancellationToken ct)
    {
        var matching = webhooks.Where(w => w.Matches(request)).ToList();
        if (matching.Count == 0) return;
        var verdicts = await Task.WhenAll(matching.Select(w => CallAsync(w, TokenFor(tokens, w.Url), request, ct)));
        foreach (var warning in verdicts.SelectMany(v => v.Warnings)) warn(warning);
        // kube-apiserver returns whichever refusal arrives first; the first in webhook order keeps FleetSim deterministic.
        if (verdicts.FirstOrDefault(v => v.Refusal is not null)?.Refusal is { } refusal) throw refusal;
    }

    private static async Task<Verdict> CallAsync(Webhook webhook, string? token, AdmissionRequest request, CancellationToken ct)
    {
        var uid = Guid.NewGuid().ToString();
        var url = WithTimeout(webhook.Url, webhook.Timeout);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(webhook.Timeout);
        JsonNode? answer;
        try
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Json.Serialize(Review(uid, request))) };
            post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (token is not null) post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await ClientFor(webhook.CaBundle).SendAsync(post, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            if (!response.IsSuccessStatusCode)
                return Failed(webhook, $"failed to call webhook: an error on the server (\"{text}\") has prevented the request from succeeding");
            answer = JsonNode.Parse(text);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(webhook, $"failed to call webhook: Post \"{url}\": context deadline exceeded");
        }
        catch (HttpRequestException e)
        {
            return Failed(webhook, $"failed to call webhook: Post \"{url}\": {e.InnerException?.Message ?? e.Message}");
        }
        catch (JsonException e)
        {
            return Failed(webhook, $"failed to call webhook: {e.Message}");
        }

        if (answer.Str("apiVersion") != "admission.k8s.io/v1" || answer.Str("kind") != "AdmissionReview")
            return Failed(webhook, $"expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {answer.Str("apiVersion")}, Kind={answer.Str("kind")}");
        if (answer.At("response") is not JsonObject verdict) return Failed(webhook, "webhook response was absent");
        if (verdict.Str("uid") != uid) return Failed(webhook, $"expected response.uid=\"{uid}\", got \"{verdict.Str("uid")}\"");
        var warnings = (verdict["warnings"] as JsonArray ?? []).Select(w => w?.ToString() ?? "").Where(w => w.Length > 0).ToArray();
        return new Verdict(verdict.Bool("allowed") ? null : Denied(webhook, verdict.At("status") as JsonObject), warnings);
    }

    /// <summary>The refusal of a webhook that said no: its own code (below 400 becomes 403), reason and message.</summary>
    private static ApiException Denied(Webhook webhook, JsonObject? status)
    {
        var deniedBy = $"admission webhook \"{webhook.Name}\" denied the request";
        var code = status.Long("code") is >= 400 and <= 599 and var c ? (int)c : 403;
        var reason = status.Str("reason") ?? "";
        var message = status.Str("message") is { Length: > 0 } m ? $"{deniedBy}: {m}"
            : reason.Length > 0 ? $"{deniedBy}: {reason}"
            : $"{deniedBy} without explanation";
        return new ApiException(code, reason, message, status?["details"]?.DeepClone() as JsonObject);
    }

    /// <summary>A call that did not produce a verdict: refused as 500 InternalError under Fail, ignored under Ignore.</summary>
    private static Verdict Failed(Webhook webhook, string reason)
    {
        if (webhook.FailOpen) return new Verdict(null, []);
        var error = $"failed calling webhook \"{webhook.Name}\": {reason}";
        var details = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = error }) };
        return new Verdict(new ApiException(500, "InternalError", $"Internal error occurred: {error}", details), []);
    }

    private static JsonObject Review(string uid, AdmissionRequest request)
    {
        var r = request.Resource;
        var shown = request.Object ?? request.OldObject;
        var (group, version) = SplitApiVersion(shown.Str("apiVersion") ?? r.GroupVersion);
        var kind = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = shown.Str("kind") ?? r.Kind };
        var resource = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["resource"] = r.Name };
        var body = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
            ["requestKind"] = kind.DeepClone(),
            ["requestResource"] = resource.DeepClone(),
            ["name"] = request.Name,
            ["operation"] = request.Operation,
            ["userInfo"] = new JsonObject
            {
                ["username"] = UserName,
                ["groups"] = new JsonArray(UserGroups.Select(g => (JsonNode)g).ToArray()),
                ["extra"] = new JsonObject { [UserAgentExtra] = new JsonArray(request.UserAgent) },
            },
            ["object"] = request.Object?.DeepClone(),
            ["oldObject"] = request.OldObject?.DeepClone(),
            ["dryRun"] = request.DryRun,
        };
        if (request.Subresource is { } sub)
        {
            body["subResource"] = sub;
            body["requestSubResource"] = sub;
        }
        if (request.Namespace is { } ns) body["namespace"] = ns;
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = body };
    }

    private static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    /// <summary>
    /// The token for a webhook's URL, looked up as kube-apiserver looks up its webhook kubeconfig's users: "host:port" first,
    /// then "host" when the port is the default, then the most specific "*.domain" wildcard.
    /// </summary>
    private static string? TokenFor(IReadOnlyDictionary<string, string> tokens, Uri url)
    {
        if (tokens.Count == 0) return null;
        var host = url.IdnHost;
        if (tokens.TryGetValue($"{host}:{url.Port}", out var token)) return token;
        if (url.IsDefaultPort && tokens.TryGetValue(host, out token)) return token;
        return tokens.Where(t => t.Key.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(t.Key[1..], StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(t => t.Key.Length).Select(t => t.Value).FirstOrDefault();
    }

    /// <summary>Like client-go, the API server tells the webhook its deadline as ?timeout=Ns.</summary>
    private static Uri WithTimeout(Uri url, TimeSpan timeout)
    {
        var builder = new UriBuilder(url);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + $"timeout={(int)timeout.TotalSeconds}s";
        return builder.Uri;
    }

    /// <summary>
    /// One client per caBundle, trusting that bundle alone (no system roots) while still checking the host name.
    /// Without a caBundle the system roots apply, as in kube-apiserver.
    /// </summary>
    private static HttpClient ClientFor(string? caBundle) => ClientsByCaBundle.GetOrAdd(caBundle ?? "", pem =>
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        if (pem.Length > 0)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(pem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is X509Certificate2 leaf && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == 0 && TrustedBy(roots, leaf);
        }
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }; // each call has its webhook's own deadline
    });

    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
