using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Admission;

/// <summary>One rule of a webhook: which operations on which resources it wants to review.</summary>
internal sealed record WebhookRule(string[] Operations, string[] ApiGroups, string[] ApiVersions, string[] Resources, string Scope)
{
    public bool Matches(AdmissionRequest request)
    {
        var r = request.Resource;
        return Has(Operations, request.Operation) && Has(ApiGroups, r.Group) && Has(ApiVersions, r.Version)
            && Resources.Any(entry => ResourceMatches(entry, r.Name, request.Subresource ?? ""))
            && Scope switch
            {
                "Cluster" => !r.Namespaced,
                "Namespaced" => r.Namespaced,
                _ => true,
            };
    }

    private static bool Has(string[] allowed, string value) => allowed.Any(a => a == "*" || a == value);

    /// <summary>
    /// "pods" is the resource alone, "*" every resource but no subresource, "pods/*" pods and any subresource of them,
    /// "*/*" everything: the entry's two halves are compared separately, as kube-apiserver's rule matcher does.
    /// </summary>
    private static bool ResourceMatches(string entry, string resource, string subresource)
    {
        var slash = entry.IndexOf('/');
        var (res, sub) = slash < 0 ? (entry, "") : (entry[..slash], entry[(slash + 1)..]);
        return (res == "*" || res == resource) && (sub == "*" || sub == subresource);
    }
}

/// <summary>A validating webhook as the API server holds it once its configuration is stored, defaults applied.</summary>
internal sealed record Webhook(
    string Name, Uri Url, string? CaBundle, TimeSpan Timeout, bool FailOpen, WebhookRule[] Rules,
    Selector NamespaceSelector, Selector ObjectSelector)
{
    public bool Matches(AdmissionRequest request) =>
        Rules.Any(rule => rule.Matches(request))
        && (NamespaceSelector.IsEmpty || request.NamespaceObject is not { } ns || NamespaceSelector.Matches(ns))
        && (ObjectSelector.IsEmpty || Labelled(request.Object) || Labelled(request.OldObject));

    private bool Labelled(JsonObject? obj) => obj is not null && ObjectSelector.Matches(obj);
}

/// <summary>
/// ValidatingWebhookConfiguration objects: their validation when written (422 naming the field, as the API server
/// words it) and their parsed form, which the cluster keeps as an immutable snapshot so requests read it without the lock.
/// </summary>
internal static class WebhookConfigurations
{
    private static readonly string[] Operations = ["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];

    /// <summary>Parsed webhooks of all configurations, ordered by configuration name then position, as kube-apiserver orders them.</summary>
    public static IReadOnlyList<Webhook> Parse(IEnumerable<JsonObject> configurations) =>
        configurations.OrderBy(c => c.Name(), StringComparer.Ordinal)
            .SelectMany(c => (c["webhooks"] as JsonArray ?? []).OfType<JsonObject>().Select(ParseOne))
            .ToArray();

    private static Webhook ParseOne(JsonObject w)
    {
        var caBundle = w.Str("clientConfig", "caBundle");
        return new Webhook(
            w.Str("name") ?? "",
            new Uri(w.Str("clientConfig", "url") ?? ""),
            caBundle is null ? null : System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(caBundle)),
            TimeSpan.FromSeconds(w.Long("timeoutSeconds") ?? 10),
            w.Str("failurePolicy") == "Ignore",
            (w["rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new WebhookRule(
                Strings(r, "operations"), Strings(r, "apiGroups"), Strings(r, "apiVersions"), Strings(r, "resources"), r.Str("scope") ?? "*")).ToArray(),
            Selector.FromLabelSelector(w["namespaceSelector"]),
            Selector.FromLabelSelector(w["objectSelector"]));
    }

    private static string[] Strings(JsonObject o, string name) =>
        (o[name] as JsonArray ?? []).Select(v => v is JsonValue s && s.TryGetValue<string>(out var text) ? text : "").ToArray();

    /// <summary>
    /// Fills the defaults the API server fills (failurePolicy Fail, timeoutSeconds 10, matchPolicy Equivalent, empty
    /// selectors, scope "*") and rejects what it rejects. Only clientConfig.url is supported: FleetSim has no services to route to.
    /// </summary>
    public static void DefaultAndValidate(JsonObject configuration)
    {
        var errors = new List<string>();
        var webhooks = configuration["webhooks"] as JsonArray ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var at = $"webhooks[{i}]";
            if (webhooks[i] is not JsonObject w)
            {
                errors.Add($"{at}: Invalid value: must be an object");
                continue;
            }
            w["failurePolicy"] ??= "Fail";
            w["matchPolicy"] ??= "Equivalent";
            w["timeoutSeconds"] ??= 10;
            w["namespaceSelector"] ??= new JsonObject();
            w["objectSelector"] ??= new JsonObject();
            foreach (var rule in (w["rules"] as JsonArray ?? []).OfType<JsonObject>()) rule["scope"] ??= "*";

            var name = w.Str("name");
            if (string.IsNullOrEmpty(name)) errors.Add($"{at}.name: Required value");
            else if (!names.Add(name)) errors.Add($"{at}.name: Duplicate value: \"{name}\"");
            else if (name.Count(c => c == '.') < 2) errors.Add($"{at}.name: Invalid value: \"{name}\": should be a domain with at least three segments separated by dots");
            if (w.Str("sideEffects") is not ("None" or "NoneOnDryRun"))
                errors.Add($"{at}.sideEffects: Unsupported value: \"{w.Str("sideEffects")}\": supported values: \"None\", \"NoneOnDryRun\"");
            if (w["admissionReviewVersions"] is not JsonArray versions || !versions.Any(v => v?.ToString() == "v1"))
                errors.Add($"{at}.admissionReviewVersions: Invalid value: must include at least one of v1");
            if (w.Str("failurePolicy") is not ("Fail" or "Ignore"))
                errors.Add($"{at}.failurePolicy: Unsupported value: \"{w.Str("failurePolicy")}\": supported values: \"Fail\", \"Ignore\"");
            if (w.Long("timeoutSeconds") is not (>= 1 and <= 30))
                errors.Add($"{at}.timeoutSeconds: Invalid value: {w["timeoutSeconds"]?.ToJsonString()}: the timeout value must be between 1 and 30 seconds");
            ValidateClientConfig(w, at, errors);
            var rules = w["rules"] as JsonArray ?? [];
            for (var j = 0; j < rules.Count; j++)
            {
                var rule = rules[j] as JsonObject ?? new JsonObject();
                if (Strings(rule, "operations") is var ops && (ops.Length == 0 || ops.Any(o => !Operations.Contains(o))))
                    errors.Add($"{at}.rules[{j}].operations: Unsupported value: must be one or more of CREATE, UPDATE, DELETE, CONNECT, *");
                foreach (var field in (string[])["apiGroups", "apiVersions", "resources"])
                {
                    if (Strings(rule, field).Length == 0) errors.Add($"{at}.rules[{j}].{field}: Required value");
                }
                if (rule.Str("scope") is not ("Cluster" or "Namespaced" or "*"))
                    errors.Add($"{at}.rules[{j}].scope: Unsupported value: \"{rule.Str("scope")}\": supported values: \"*\", \"Cluster\", \"Namespaced\"");
            }
        }
        if (errors.Count > 0)
        {
            throw new ApiException(422, "Invalid",
                $"ValidatingWebhookConfiguration.admissionregistration.k8s.io \"{configuration.Name()}\" is invalid: {string.Join(", ", errors)}");
        }
    }

    private static void ValidateClientConfig(JsonObject w, string at, List<string> errors)
    {
        if (w.At("clientConfig", "service") is not null)
        {
            errors.Add($"{at}.clientConfig.service: Forbidden: FleetSim routes to no services; use clientConfig.url");
            return;
        }
        var url = w.Str("clientConfig", "url");
        if (string.IsNullOrEmpty(url))
            errors.Add($"{at}.clientConfig: Required value: exactly one of url or service is required");
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "https")
            errors.Add($"{at}.clientConfig.url: Invalid value: \"{url}\": 'https' is the only allowed URL scheme");
        if (w.Str("clientConfig", "caBundle") is { } ca)
        {
            try { Convert.FromBase64String(ca); }
            catch (FormatException) { errors.Add($"{at}.clientConfig.caBundle: Invalid value: must be base64-encoded PEM"); }
        }
    }
}
