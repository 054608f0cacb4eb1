using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Audit;

public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/audit").WithTags("Audit").RequireAuthorization(Policies.Sre);

        api.MapGet("/", async (AuditService audit, string? search, string? actor, string? action, DateTimeOffset? from, DateTimeOffset? to,
                int? page, int? pageSize, CancellationToken ct) =>
            {
                var (pageNumber, size) = Paging.Check(page, pageSize, 50);
                var result = await audit.SearchAsync(new AuditQuery(search, actor, action, from, to, pageNumber, size), ct);
                return new { items = result.Items, total = result.Total };
            })
            .WithSummary("Search audit events, newest first.");

        api.MapGet("/verify", (AuditService audit, CancellationToken ct) => audit.VerifyAsync(ct))
            .WithSummary("Re-compute the hash chain and report every broken link (the first one, and a capped list of all).");

        api.MapPost("/reseal", (ResealRequest request, AuditService audit, Actor actor, CancellationToken ct) =>
                audit.ResealAsync(request, actor, ct))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Re-seal the chain from a named event to its end (Admin, with a reason; audited with the replaced hashes).");
    }
}
