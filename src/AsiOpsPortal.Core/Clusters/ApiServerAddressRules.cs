using System.Net;
using System.Net.Sockets;

namespace AsiOpsPortal.Core.Clusters;

/// <summary>
/// Which addresses the portal may call as a cluster's API server. A kubeconfig names any URL, so without a rule anyone
/// who may register a cluster could make the portal call the cloud's metadata service or probe internal hosts.
/// </summary>
public static class ApiServerAddressRules
{
    /// <summary>
    /// Never an API server, whatever the allow-list says: link-local (where cloud metadata services live), "this network"
    /// and unspecified addresses, multicast and broadcast. Loopback stays allowed: the demo and tests run FleetSim there.
    /// </summary>
    public static readonly IReadOnlyList<IPNetwork> Refused =
    [
        IPNetwork.Parse("169.254.0.0/16"), // link-local, including 169.254.169.254 (AWS, GCP, Azure, Alibaba metadata)
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fd00:ec2::254/128"), // AWS metadata over IPv6
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("ff00::/8"),
        IPNetwork.Parse("255.255.255.255/32"),
    ];

    /// <summary>Whether <paramref name="entry"/> reads as an allow-list entry: an address, a CIDR range, a host name or "*.domain".</summary>
    public static bool IsValidEntry(string entry) => Entry.Parse(entry) is not null;

    /// <summary>
    /// Null when the portal may call <paramref name="host"/> at <paramref name="addresses"/> (what it resolved to): none of
    /// them refused, and, when <paramref name="allowed"/> has entries, the host named by one or every address inside one.
    /// Otherwise the reason, naming the setting to change.
    /// </summary>
    public static string? Problem(string host, IReadOnlyCollection<IPAddress> addresses, IReadOnlyCollection<string> allowed)
    {
        var plain = addresses.Select(Plain).ToList();
        if (plain.FirstOrDefault(a => Refused.Any(r => r.Contains(a))) is { } refused)
            return $"The API server address {Describe(host, refused)} is link-local, a cloud metadata service or otherwise never an API server, so the portal will not call it.";
        if (allowed.Count == 0) return null;
        var entries = allowed.Select(Entry.Parse).OfType<Entry>().ToList();
        if (entries.Any(e => e.MatchesName(host))) return null;
        if (plain.Count > 0 && plain.All(a => entries.Any(e => e.Contains(a)))) return null;
        var outside = plain.FirstOrDefault(a => !entries.Any(e => e.Contains(a)));
        return $"The API server address {(outside is null ? host : Describe(host, outside))} is outside the addresses clusters may have (Portal:ClusterAddresses: {string.Join(", ", allowed)}). An admin adds its range there.";
    }

    // ::ffff:169.254.169.254 is 169.254.169.254 on the wire.
    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string Describe(string host, IPAddress address) =>
        IPAddress.TryParse(host.Trim('[', ']'), out _) ? address.ToString() : $"{host} ({address})";

    private sealed record Entry(IPNetwork? Range, string? Name)
    {
        public static Entry? Parse(string text)
        {
            text = text.Trim();
            if (text.Length == 0) return null;
            if (IPNetwork.TryParse(text, out var range)) return new Entry(range, null);
            if (IPAddress.TryParse(text, out var address))
                return new Entry(new IPNetwork(Plain(address), Plain(address).AddressFamily == AddressFamily.InterNetwork ? 32 : 128), null);
            var name = text.StartsWith("*.", StringComparison.Ordinal) ? text[2..] : text;
            return Uri.CheckHostName(name) == UriHostNameType.Dns ? new Entry(null, text.ToLowerInvariant()) : null;
        }

        public bool Contains(IPAddress address) => Range is { } range && range.Contains(address);

        public bool MatchesName(string host) => Name switch
        {
            null => false,
            ['*', '.', ..] => host.EndsWith(Name[1..], StringComparison.OrdinalIgnoreCase) && host.Length > Name.Length - 1,
            _ => string.Equals(host, Name, StringComparison.OrdinalIgnoreCase),
        };
    }
}
