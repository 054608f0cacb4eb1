using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Clusters;

public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/clusters").WithTags("Clusters");

        api.MapGet("/", async (ClusterService clusters, string? environment, string? region, int? tier, ClusterStatus? status,
                string? search, ClusterSort? sort, bool? descending, int? page, int? pageSize, CancellationToken ct) =>
            {
                var (pageNumber, size) = Paging.Check(page, pageSize, 25);
                var result = await clusters.QueryAsync(new ClusterQuery(environment, region, tier, status, search,
                    sort ?? ClusterSort.Health, descending ?? false, pageNumber, size), ct);
                return new { items = result.Items, total = result.Total };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("List clusters, trouble first by default, with filters and paging.");

        api.MapGet("/{name}", async (string name, ClusterService clusters, CancellationToken ct) =>
                await clusters.GetAsync(name, ct) is { } cluster ? Results.Ok(cluster) : throw new NotFoundException($"No cluster named '{name}'."))
            .RequireAuthorization(Policies.Viewer);

        api.MapGet("/{name}/nodes", async (string name, ClusterService clusters, string? search, bool? ready, int? page, int? pageSize, CancellationToken ct) =>
            {
                var (pageNumber, size) = Paging.Check(page, pageSize, 50);
                var result = await clusters.NodesAsync(name, new NodeQuery(search, ready, pageNumber, size), ct);
                return new { items = result.Items, total = result.Total };
            })
            .RequireAuthorization(Policies.Viewer);

        api.MapPost("/", async (ClusterRegistration registration, ClusterService clusters, Actor actor, CancellationToken ct) =>
            {
                var cluster = await clusters.RegisterAsync(registration, actor, ct);
                return Results.Created($"/api/v1/clusters/{cluster.Summary.Name}", cluster);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Register a cluster from a kubeconfig; the portal contacts it before saving.");

        api.MapMethods("/{name}", ["PATCH", "PUT"], async (string name, ClusterMetadataUpdate update, ClusterService clusters, Actor actor, CancellationToken ct) =>
                await clusters.UpdateAsync(name, update, actor, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Update environment, region, zone, tier or labels.");

        api.MapDelete("/{name}", async (string name, ClusterService clusters, Actor actor, CancellationToken ct) =>
            {
                await clusters.RemoveAsync(name, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapPost("/{name}/sync", async (string name, ClusterService clusters, Actor actor, CancellationToken ct) =>
            {
                await clusters.RequestSyncAsync(name, actor, ct);
                return Results.Accepted();
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Queue an inventory sync of one cluster now.");
    }
}
