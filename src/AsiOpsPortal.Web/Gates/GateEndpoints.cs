using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Gates;

public static class GateEndpoints
{
    public static void MapGateEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/gates").WithTags("Gates");

        api.MapGet("/", async (GateService gates, CancellationToken ct) => new { items = await gates.ListAsync(ct) })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Webhook gates, by stage; header values are never shown.");

        api.MapGet("/{id:guid}", async (Guid id, GateService gates, CancellationToken ct) =>
                await gates.GetAsync(id, ct) ?? throw new NotFoundException($"No gate {id}."))
            .RequireAuthorization(Policies.Viewer);

        api.MapPost("/", async (GateDraft draft, GateService gates, Actor actor, CancellationToken ct) =>
            {
                var gate = await gates.CreateAsync(draft, actor, ct);
                return Results.Created($"/api/v1/gates/{gate.Id}", gate);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Register a gate: the portal POSTs to it before the change, before or after each wave (SRE).");

        api.MapDelete("/{id:guid}", async (Guid id, GateService gates, Actor actor, CancellationToken ct) =>
            {
                await gates.DeleteAsync(id, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);
    }
}
