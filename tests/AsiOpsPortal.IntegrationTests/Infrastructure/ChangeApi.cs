extern alias fleetsim;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>Components, pipelines and changes through /api/v1, as release scripts drive them.</summary>
public static class ChangeApi
{
    public static async Task CreateComponentAsync(this HttpClient api, string name, string ns, params (string Version, string Image)[] versions)
    {
        using (var created = await api.PostAsJsonAsync("/api/v1/components", new { name, @namespace = ns, description = "integration test component" }))
            await created.ExpectJsonAsync(HttpStatusCode.Created, $"creating component {name}");
        foreach (var (version, image) in versions)
        {
            using var added = await api.PostAsJsonAsync($"/api/v1/components/{name}/versions", new { version, manifests = SampleManifests.Workload(ns, name, image) });
            await added.ExpectJsonAsync(HttpStatusCode.Created, $"adding {name} {version}");
        }
    }

    public static async Task CreatePipelineAsync(this HttpClient api, string name, params object[] waves)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/pipelines", new { name, description = "integration test pipeline", waves });
        await response.ExpectJsonAsync(HttpStatusCode.Created, $"creating pipeline {name}");
    }

    public static object Wave(string name, string[] clusters, int maxConcurrency = 2, int minSuccessSeconds = 0, int progressDeadlineSeconds = 30,
        string maxFailures = "0", bool canary = false) =>
        new { name, clusters, maxConcurrency, minSuccessSeconds, progressDeadlineSeconds, maxFailures, canary };

    public static Task<HttpResponseMessage> ProposeAsync(this HttpClient api, string title, string component, string version, string pipeline) =>
        api.PostAsJsonAsync("/api/v1/changes", new { title, reason = "integration test", rollbackPlan = "roll back in the portal", component, version, pipeline });

    public static async Task<long> ProposeOkAsync(this HttpClient api, string title, string component, string version, string pipeline)
    {
        using var response = await api.ProposeAsync(title, component, version, pipeline);
        var change = await response.ExpectJsonAsync(HttpStatusCode.Created, $"proposing {title}");
        Assert.Equal("PendingApproval", change["status"]!.GetValue<string>());
        return change["id"]!.GetValue<long>();
    }

    public static Task<HttpResponseMessage> ReviewAsync(this HttpClient api, long change, string decision, string comment = "") =>
        api.PostAsJsonAsync($"/api/v1/changes/{change}/approvals", new { decision, comment });

    public static async Task<JsonNode> ApproveOkAsync(this HttpClient api, long change)
    {
        using var response = await api.ReviewAsync(change, "approve", "looks good");
        return await response.ExpectJsonAsync(HttpStatusCode.OK, $"approving change {change}");
    }

    public static Task<HttpResponseMessage> ActAsync(this HttpClient api, long change, string action) =>
        api.PostAsJsonAsync($"/api/v1/changes/{change}/{action}", new { reason = "integration test" });

    public static async Task<JsonNode> GetChangeAsync(this HttpClient api, long change)
    {
        using var response = await api.GetAsync($"/api/v1/changes/{change}");
        return await response.ExpectJsonAsync(HttpStatusCode.OK, $"reading change {change}");
    }

    public static Task<JsonNode> WaitForStatusAsync(this HttpClient api, long change, string status, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => api.GetChangeAsync(change), c => c["status"]!.GetValue<string>() == status,
            $"change {change} to become {status}", timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Each cluster's step status in the change's forward waves, by cluster name.</summary>
    public static Dictionary<string, string> StepStatuses(JsonNode change) =>
        change["waves"]!.AsArray().SelectMany(w => w!["clusters"]!.AsArray())
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["status"]!.GetValue<string>());
}
