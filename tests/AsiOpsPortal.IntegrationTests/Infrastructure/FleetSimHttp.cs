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
        using var http = Client(fleet, cluster);
        var list = JsonNode.Parse(await http.GetStringAsync(NodesUrl(fleet, cluster)))!;
        return list["items"]!.AsArray().Select(n => n!["metadata"]!["name"]!.GetValue<string>()).ToList();
    }

    /// <summary>What `kubectl get --raw PATH` prints (PATH like /apis/apps/v1/namespaces/NS/deployments/NAME), or null on 404.</summary>
    public static async Task<JsonNode?> GetJsonAsync(this FleetSimulator fleet, string cluster, string path)
    {
        using var http = Client(fleet, cluster);
        using var response = await http.GetAsync(fleet.ServerUrl(cluster).TrimEnd('/') + path);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>What `kubectl delete node NAME` does: the node leaves the cluster.</summary>
    public static async Task DeleteNodeAsync(this FleetSimulator fleet, string cluster, string node)
    {
        using var http = Client(fleet, cluster);
        using var response = await http.DeleteAsync($"{NodesUrl(fleet, cluster)}/{node}");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What `kubectl label node NAME KEY=VALUE` does, as a JSON merge patch.</summary>
    public static async Task LabelNodeAsync(this FleetSimulator fleet, string cluster, string node, string key, string value)
    {
        using var http = Client(fleet, cluster);
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } };
        using var content = new StringContent(patch.ToJsonString(), MediaTypeHeaderValue.Parse("application/merge-patch+json"));
        using var response = await http.PatchAsync($"{NodesUrl(fleet, cluster)}/{node}", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The first container image of a Deployment as FleetSim stores it, or null when there is no such Deployment.</summary>
    public static async Task<string?> DeploymentImageAsync(this FleetSimulator fleet, string cluster, string ns, string name)
    {
        using var http = Client(fleet, cluster);
        using var response = await http.GetAsync($"{fleet.ServerUrl(cluster).TrimEnd('/')}/apis/apps/v1/namespaces/{ns}/deployments/{name}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        var deployment = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
    }

    /// <summary>What `kubectl set image` does to a one-container Deployment: someone changing the cluster by hand.</summary>
    public static async Task SetDeploymentImageAsync(this FleetSimulator fleet, string cluster, string ns, string name, string image)
    {
        using var http = Client(fleet, cluster);
        var deployment = JsonNode.Parse(await http.GetStringAsync($"{fleet.ServerUrl(cluster).TrimEnd('/')}/apis/apps/v1/namespaces/{ns}/deployments/{name}"))!;
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["name"]!.GetValue<string>();
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
            } } },
        };
        using var content = new StringContent(patch.ToJsonString(), MediaTypeHeaderValue.Parse("application/strategic-merge-patch+json"));
        using var response = await http.PatchAsync($"{fleet.ServerUrl(cluster).TrimEnd('/')}/apis/apps/v1/namespaces/{ns}/deployments/{name}", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What FleetSim's admin API answers at PATH (like /admin/clusters/NAME/webhook-credentials).</summary>
    public static async Task<JsonNode> GetAdminJsonAsync(this FleetSimulator fleet, string path)
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync(fleet.BaseUrl.TrimEnd('/') + path))!;
    }

    private static HttpClient Client(FleetSimulator fleet, string cluster)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fleet.Token(cluster));
        return http;
    }

    private static string NodesUrl(FleetSimulator fleet, string cluster) => fleet.ServerUrl(cluster).TrimEnd('/') + "/api/v1/nodes";
}
