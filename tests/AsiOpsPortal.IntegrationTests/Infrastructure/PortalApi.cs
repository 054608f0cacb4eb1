extern alias fleetsim;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using fleetsim::AsiOpsPortal.FleetSim;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>The portal's /api/v1 as a script would call it, reading answers as JSON so tests check the wire format.</summary>
public static class PortalApi
{
    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient api, string name, string kubeconfig, string environment = "test",
        string region = "cn-hangzhou", string? zone = null, int tier = 3, string? context = null, Dictionary<string, string>? labels = null) =>
        api.PostAsJsonAsync("/api/v1/clusters", new { name, kubeconfig, context, environment, region, zone, tier, labels });

    /// <summary>Registers a FleetSim cluster with its own metadata and kubeconfig, and insists on 201.</summary>
    public static async Task<JsonNode> RegisterAsync(this HttpClient api, FleetSimulator fleet, SimClusterInfo cluster, Dictionary<string, string>? labels = null)
    {
        using var response = await api.RegisterAsync(cluster.Name, fleet.Kubeconfig(cluster.Name), cluster.Environment, cluster.Region,
            cluster.Zone, cluster.Tier, labels: labels);
        return await response.ExpectJsonAsync(HttpStatusCode.Created, $"registering {cluster.Name}");
    }

    public static async Task<JsonNode?> GetClusterAsync(this HttpClient api, string name)
    {
        using var response = await api.GetAsync($"/api/v1/clusters/{name}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await response.ExpectJsonAsync(HttpStatusCode.OK, $"reading cluster {name}");
    }

    /// <summary>Waits for a sync to record something newer than <paramref name="after"/> (any sync at all when null).</summary>
    public static Task<JsonNode> WaitForSyncAsync(this HttpClient api, string name, DateTimeOffset? after = null) =>
        Eventually.UntilAsync(async () => (await api.GetClusterAsync(name))!,
            c => SyncedAt(c) is { } at && (after is null || at > after),
            $"a sync of {name}{(after is null ? "" : $" after {after:O}")}");

    public static DateTimeOffset? SyncedAt(JsonNode cluster) =>
        cluster["summary"]?["lastSyncAt"]?.GetValue<DateTimeOffset?>();

    public static Task<HttpResponseMessage> CreateComponentAsync(this HttpClient api, string name, string @namespace, string description = "", string? owner = null) =>
        api.PostAsJsonAsync("/api/v1/components", new Dictionary<string, string?> { ["name"] = name, ["namespace"] = @namespace, ["description"] = description, ["owner"] = owner });

    public static Task<HttpResponseMessage> AddVersionAsync(this HttpClient api, string component, string version, string manifests, string? releaseNotes = null) =>
        api.PostAsJsonAsync($"/api/v1/components/{component}/versions", new { version, manifests, releaseNotes });

    /// <summary>Adds a component with one version per entry, insisting on 201 for each.</summary>
    public static async Task ReleaseAsync(this HttpClient api, string component, string @namespace, params (string Version, string Manifests)[] versions)
    {
        using (var created = await api.CreateComponentAsync(component, @namespace))
            await created.ExpectJsonAsync(HttpStatusCode.Created, $"creating {component}");
        foreach (var (version, manifests) in versions)
        {
            using var added = await api.AddVersionAsync(component, version, manifests);
            await added.ExpectJsonAsync(HttpStatusCode.Created, $"adding {component} {version}");
        }
    }

    public static async Task<JsonArray> AuditAsync(this HttpClient api, string action, string? actor = null)
    {
        var query = $"/api/v1/audit?action={Uri.EscapeDataString(action)}&pageSize=500{(actor is null ? "" : $"&actor={Uri.EscapeDataString(actor)}")}";
        using var response = await api.GetAsync(query);
        return (await response.ExpectJsonAsync(HttpStatusCode.OK, $"searching audit for {action}"))["items"]!.AsArray();
    }

    public static async Task<JsonNode> ExpectJsonAsync(this HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{what}: expected {(int)expected} but got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body) ?? throw new InvalidOperationException($"{what}: empty body");
    }
}
