using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Changes;

public static class ChangeEndpoints
{
    public static void MapChangeEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/changes").WithTags("Changes");

        api.MapGet("/", async (ChangeQueries changes, string? status, int? limit, CancellationToken ct) =>
            {
                ChangeStatus? filter = null;
                if (!string.IsNullOrEmpty(status))
                    filter = Enum.TryParse<ChangeStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                        : throw new ValidationFailedException([$"Unknown status '{status}'. Use one of: {string.Join(", ", Enum.GetNames<ChangeStatus>())}."]);
                var items = await changes.ListAsync(filter, Paging.CheckLimit(limit, 200), ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Changes, most recently updated first; filter by status.");

        api.MapGet("/{id:long}", async (long id, ChangeQueries changes, CancellationToken ct) =>
                await changes.GetAsync(id, ct) ?? throw new NotFoundException($"No change #{id}."))
            .RequireAuthorization(Policies.Viewer);

        api.MapPost("/", async (ChangeProposal proposal, ChangeProposals proposals, Actor actor, CancellationToken ct) =>
            {
                var change = await proposals.ProposeAsync(proposal, actor, ct);
                return Results.Created($"/api/v1/changes/{change.Id}", change);
            })
            .RequireAuthorization(Policies.Developer)
            .WithSummary("Propose a component version (or manifests) along a pipeline; returns the exact plan and risk findings. Blocking findings refuse it (422) unless an Admin gives overrideReason.");

        api.MapPut("/{id:long}", async (long id, ChangeProposal proposal, ChangeProposals proposals, Actor actor, CancellationToken ct) =>
                await proposals.EditAsync(id, proposal, actor, ct: ct))
            .RequireAuthorization(Policies.Developer)
            .WithSummary("Edit a change awaiting approval (requester or SRE); approvals already given stop counting.");

        api.MapPost("/{id:long}/approvals", async (long id, ReviewRequest review, ChangeReviews reviews, Actor actor, CancellationToken ct) =>
                await reviews.ReviewAsync(id, review, actor, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Approve or reject (with a reason). Never the requester; the last approval starts the rollout.");

        api.MapPost("/{id:long}/freeze-exception", async (long id, GrantRequest grant, ChangeReviews reviews, Actor actor, CancellationToken ct) =>
                await reviews.GrantFreezeExceptionAsync(id, grant.Reason, actor, ct))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Grant the change's request to run through its named freeze windows (Admin, with a reason; audited).");

        MapAction(api, "pause", (s, id, actor, reason, ct) => s.PauseAsync(id, actor, reason, ct));
        MapAction(api, "resume", (s, id, actor, reason, ct) => s.ResumeAsync(id, actor, reason, ct));
        MapAction(api, "abort", (s, id, actor, reason, ct) => s.AbortAsync(id, actor, reason, ct));
        api.MapPost("/{id:long}/rollback", async (long id, RollbackRequest? request, ChangeOperations operations, Actor actor, CancellationToken ct) =>
                await operations.RollbackAsync(id, request ?? new RollbackRequest(null), actor, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Roll the change back (SRE): the touched waves in reverse, each with its concurrency and a short soak; allAtOnce (with a reason) is the emergency option. Clusters a newer change moved are left alone and named.");

        api.MapGet("/{id:long}/rollback-plan", async (long id, bool? allAtOnce, ChangeOperations operations, CancellationToken ct) =>
                await operations.RollbackPreviewAsync(id, allAtOnce == true, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("What a rollback would do now: clusters restored (to which version), clusters whose objects are removed, tier-0 clusters, clusters left alone and why, and the waves.");
    }

    private static void MapAction(RouteGroupBuilder api, string action, Func<ChangeOperations, long, Actor, string?, CancellationToken, Task<ChangeDetail>> act) =>
        api.MapPost($"/{{id:long}}/{action}", async (long id, ActionRequest? request, ChangeOperations operations, Actor actor, CancellationToken ct) =>
                await act(operations, id, actor, request?.Reason, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary($"{char.ToUpperInvariant(action[0])}{action[1..]} the rollout (SRE).");
}
