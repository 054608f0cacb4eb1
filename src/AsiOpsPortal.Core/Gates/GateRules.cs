using System.Text.Json;
using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Gates;

/// <summary>What a gate may be, whom it concerns, and how its answers read: pure rules, no I/O.</summary>
public static partial class GateRules
{
    public const int DefaultTimeoutSeconds = 10;
    public const int DefaultRetries = 2;
    public const int MaxTimeoutSeconds = 120;
    public const int MaxRetries = 5;
    /// <summary>How much of an answer people get to read.</summary>
    public const int MessageLimit = 500;

    /// <summary>Every problem with a gate as submitted, each in words a person can act on; empty when it may be saved.</summary>
    public static IReadOnlyList<string> Validate(string name, string url, IReadOnlyDictionary<string, string> headers, string? scope,
        int timeoutSeconds, int retries, IReadOnlyCollection<string> allowedHosts)
    {
        var errors = new List<string>();
        if (!NamePattern().IsMatch(name))
            errors.Add("The name must be 1–63 lowercase letters, digits or '-', starting and ending with a letter or digit.");
        if (HostProblem(url, allowedHosts) is { } problem) errors.Add(problem);
        foreach (var (header, value) in headers)
        {
            if (!HeaderNamePattern().IsMatch(header)) errors.Add($"'{header}' is not a valid HTTP header name.");
            if (value.Contains('\r') || value.Contains('\n')) errors.Add($"The value of header '{header}' may not contain line breaks.");
        }
        if (!string.IsNullOrWhiteSpace(scope) && !ClusterSelector.TryParse(scope, out _, out var scopeError))
            errors.Add($"Scope: {scopeError}");
        if (timeoutSeconds is < 1 or > MaxTimeoutSeconds) errors.Add($"The timeout must be between 1 and {MaxTimeoutSeconds} seconds.");
        if (retries is < 0 or > MaxRetries) errors.Add($"Retries must be between 0 and {MaxRetries}.");
        return errors;
    }

    /// <summary>
    /// Null when the portal may call <paramref name="url"/>: absolute http(s), and its host and port on the allow-list. An
    /// entry names a host exactly or its subdomains ("*.example.com"), with a port ("gates.example.com:8443") or without
    /// one, which allows only the scheme's default port (80 for http, 443 for https): an allowed host's other ports (SSH,
    /// admin consoles) are not gates. Checked again before every call, so shrinking the list stops existing gates.
    /// </summary>
    public static string? HostProblem(string url, IReadOnlyCollection<string> allowedHosts)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"'{url}' is not an absolute http:// or https:// URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "Put credentials in a header, not in the URL.";
        if (allowedHosts.Count == 0)
            return $"Host '{uri.Host}' is not allowed: the portal's gate allow-list (Portal:GateAllowedHosts) is empty, so no gate may be called.";
        if (!allowedHosts.Any(entry => HostMatches(uri.Host, AllowedEntry(entry).Host)))
            return $"Host '{uri.Host}' is not on the portal's gate allow-list ({string.Join(", ", allowedHosts)}). An admin adds hosts under Portal:GateAllowedHosts.";
        if (!allowedHosts.Any(entry => AllowedEntry(entry) is var (host, port) && HostMatches(uri.Host, host) && (port ?? DefaultPort(uri)) == uri.Port))
            return $"Port {uri.Port} of '{uri.Host}' is not on the portal's gate allow-list ({string.Join(", ", allowedHosts)}): an entry without a port allows only port {DefaultPort(uri)} for {uri.Scheme}. An admin adds 'host:port' under Portal:GateAllowedHosts.";
        return null;
    }

    /// <summary>"host", "*.domain", "host:port" or "[v6-address]:port" as host and optional port.</summary>
    private static (string Host, int? Port) AllowedEntry(string entry)
    {
        var text = entry.Trim();
        var colon = text.LastIndexOf(':');
        if (colon > 0 && colon > text.LastIndexOf(']')
            && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535)
            return (text[..colon], port);
        return (text, null);
    }

    private static int DefaultPort(Uri uri) => uri.Scheme == "https" ? 443 : 80;

    private static bool HostMatches(string host, string allowed) =>
        allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase) && host.Length > allowed.Length - 1
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the gate concerns a change or wave holding these clusters: its scope matches at least one.</summary>
    public static bool Concerns(Gate gate, IEnumerable<ClusterFacts> clusters)
    {
        if (string.IsNullOrWhiteSpace(gate.Scope)) return true;
        return ClusterSelector.TryParse(gate.Scope, out var selector, out _) && clusters.Any(selector.Matches);
    }

    /// <summary>How one HTTP answer reads: pass, fail for good, or worth asking again.</summary>
    public static GateVerdict Read(int statusCode, string? body)
    {
        var said = Said(body);
        return statusCode switch
        {
            >= 200 and < 300 => new GateVerdict(GateVerdictKind.Pass, said is "" ? $"passed ({statusCode})" : $"passed ({statusCode}): {said}"),
            >= 300 and < 400 => new GateVerdict(GateVerdictKind.Fail, $"answered {statusCode}, a redirect; gates are not followed elsewhere, so register the final URL"),
            >= 400 and < 500 when statusCode is not (408 or 429) =>
                new GateVerdict(GateVerdictKind.Fail, said is "" ? $"refused ({statusCode}) without a message" : $"refused ({statusCode}): {said}"),
            _ => new GateVerdict(GateVerdictKind.Retry, said is "" ? $"answered {statusCode}" : $"answered {statusCode}: {said}"),
        };
    }

    /// <summary>Pause before attempt <paramref name="attempt"/> (2, 3, ...): 1 s, 2 s, 4 s, ... capped at 30 s.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Max(0, attempt - 2))));

    /// <summary>
    /// The gate's message for people: a JSON body's "message" (or "reason"), else the text itself; one line, tags
    /// removed, at most <see cref="MessageLimit"/> characters. Pages render it as text, never as HTML.
    /// </summary>
    public static string Said(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "";
        var text = body.Trim();
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in new[] { "message", "reason", "error" })
                {
                    if (json.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        text = value.GetString() ?? "";
                        break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text is the message.
        }
        text = Whitespace().Replace(Tags().Replace(text, " "), " ").Trim();
        return text.Length <= MessageLimit ? text : text[..MessageLimit] + "…";
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderNamePattern();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

public enum GateVerdictKind
{
    Pass,
    Fail,
    Retry,
}

public sealed record GateVerdict(GateVerdictKind Kind, string Message);
