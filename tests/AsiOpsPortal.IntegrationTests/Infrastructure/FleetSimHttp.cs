extern alias fleetsim;

using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using fleetsim::AsiOpsPortal.FleetSim;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>Reads FleetSim over plain HTTP, as an oracle independent of the portal's Kubernetes client.</summary>
public static class FleetSimHttp
{
    public static async Task<IReadOnlyList<string>> NodeNamesAsync(this FleetSimulator fleet, string cluster)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fleet.Token(cluster));
        var list = JsonNode.Parse(await http.GetStringAsync(fleet.ServerUrl(cluster).TrimEnd('/') + "/api/v1/nodes"))!;
        return list["items"]!.AsArray().Select(n => n!["metadata"]!["name"]!.GetValue<string>()).ToList();
    }
}
