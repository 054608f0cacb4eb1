using System.Net;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Platform;

/// <summary>What load balancers and API consumers read without going through the pages.</summary>
public sealed class HealthAndOpenApiTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    [Fact]
    public async Task Healthz_ReportsDatabaseAndHangfireHealthy_WhenAskedAnonymously()
    {
        using var anonymous = fixture.Portal.AnonymousClient();

        // The Hangfire server announces itself shortly after the host starts.
        var report = await Eventually.UntilAsync(async () =>
            {
                using var response = await anonymous.GetAsync("/healthz");
                return (Status: response.StatusCode, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
            },
            r => r.Body["status"]?.GetValue<string>() == "Healthy",
            "/healthz to report Healthy");

        Assert.Equal(HttpStatusCode.OK, report.Status);
        Assert.Equal("Healthy", report.Body["checks"]!["database"]!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", report.Body["checks"]!["hangfire"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheClusterAndAuditApis_WhenReadWithAViewerToken()
    {
        using var dave = fixture.Portal.ApiClient("dave");

        using var response = await dave.GetAsync("/openapi/v1.json");

        var document = await response.ExpectJsonAsync(HttpStatusCode.OK, "reading the OpenAPI document");
        var paths = document["paths"]!.AsObject().ToDictionary(p => p.Key.Length > 1 ? p.Key.TrimEnd('/') : p.Key, p => p.Value!.AsObject());
        Assert.True(paths.ContainsKey("/api/v1/clusters"), "Paths: " + string.Join(", ", paths.Keys));
        Assert.True(paths.ContainsKey("/api/v1/audit"), "Paths: " + string.Join(", ", paths.Keys));
        Assert.True(paths["/api/v1/clusters"].ContainsKey("get") && paths["/api/v1/clusters"].ContainsKey("post"));
        Assert.True(paths.ContainsKey("/api/v1/audit/verify"));
        Assert.True(paths.ContainsKey("/api/v1/clusters/{name}/sync"));
    }
}
