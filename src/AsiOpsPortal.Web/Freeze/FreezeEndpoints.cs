using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Freeze;

public static class FreezeEndpoints
{
    public static void MapFreezeEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/freeze-windows").WithTags("Freeze windows");

        api.MapGet("/", async (FreezeService freeze, CancellationToken ct) =>
            {
                var items = await freeze.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Freeze windows, newest first, each with its next occurrences.");

        api.MapGet("/status", async (string? cluster, FreezeService freeze, CancellationToken ct) =>
                await freeze.StatusAsync(cluster, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Whether a change may start on the cluster now: {frozen, reason, until, nextOpen}.");

        api.MapGet("/occurrences", async (DateTimeOffset? from, DateTimeOffset? to, FreezeService freeze, CancellationToken ct) =>
                await freeze.OccurrencesAsync(from, to, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Every occurrence of every window between from and to (default: the next 31 days), for calendars.");

        api.MapGet("/{id:guid}", async (Guid id, FreezeService freeze, CancellationToken ct) =>
                await freeze.GetAsync(id, ct) ?? throw new NotFoundException($"No freeze window {id}."))
            .RequireAuthorization(Policies.Viewer);

        api.MapPost("/", async (FreezeWindowRequest request, FreezeService freeze, Actor actor, CancellationToken ct) =>
            {
                var created = await freeze.CreateAsync(request, actor, ct);
                return Results.Created($"/api/v1/freeze-windows/{created.Id}", created);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Create a deny (default) or allow window: one-off (start, end) or recurring (start, rrule, durationMinutes), in timeZone.");

        api.MapDelete("/{id:guid}", async (Guid id, FreezeService freeze, Actor actor, CancellationToken ct) =>
            {
                await freeze.DeleteAsync(id, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);
    }
}
