using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace AsiOpsPortal.Web.Catalog;

public static class CatalogEndpoints
{
    /// <summary>
    /// A version upload carries up to <see cref="Manifests.MaxBytes"/> of YAML inside a JSON string, where escaping can
    /// triple it; bigger bodies get 413, and the service says so plainly for manifests over the limit that fit.
    /// </summary>
    public const long MaxVersionUploadBytes = 3L * Manifests.MaxBytes + 64 * 1024;

    public static void MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/components").WithTags("Components");

        api.MapGet("/", async (CatalogService catalog, string? search, int? page, int? pageSize, CancellationToken ct) =>
            {
                var (pageNumber, size) = Paging.Check(page, pageSize, 50);
                var result = await catalog.ListAsync(new ComponentQuery(search, pageNumber, size), ct);
                return new { items = result.Items, total = result.Total };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("List components with their latest version and how many clusters run each version.");

        api.MapPost("/", async (ComponentRegistration registration, CatalogService catalog, Actor actor, CancellationToken ct) =>
            {
                var component = await catalog.CreateAsync(registration, actor, ct);
                return Results.Created($"/api/v1/components/{component.Name}", component);
            })
            .RequireAuthorization(Policies.Developer)
            .WithSummary("Add a component; the owner defaults to the caller.");

        api.MapGet("/{name}", async (string name, CatalogService catalog, CancellationToken ct) =>
                await catalog.GetAsync(name, ct) is { } component ? Results.Ok(component) : throw new NotFoundException($"No component named '{name}'."))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("A component with its versions, newest first.");

        api.MapPost("/{name}/versions", async (string name, VersionUpload upload, CatalogService catalog, Actor actor, CancellationToken ct) =>
            {
                var version = await catalog.AddVersionAsync(name, upload, actor, ct);
                return Results.Created($"/api/v1/components/{name}/versions/{Uri.EscapeDataString(version.Version)}", version);
            })
            .RequireAuthorization(Policies.Developer)
            .WithMetadata(new RequestSizeLimitAttribute(MaxVersionUploadBytes))
            .WithSummary("Add an immutable version from multi-document YAML; problems name the document and line.");

        api.MapGet("/{name}/versions/{version}", async (string name, string version, CatalogService catalog, CancellationToken ct) =>
                await catalog.GetVersionAsync(name, version, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("One version with its manifests, objects and images.");

        api.MapGet("/{name}/diff", async (string name, string? from, string? to, CatalogService catalog, CancellationToken ct) =>
                await catalog.DiffAsync(name, from, to, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Line diff between two versions (default: the latest against the one before it).");

        api.MapGet("/{name}/clusters", async (string name, CatalogService catalog, CancellationToken ct) =>
            {
                var rows = await catalog.ClustersAsync(name, ct);
                return new { items = rows, total = rows.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Which version each cluster runs, with drift when the cluster no longer matches it.");
    }
}
