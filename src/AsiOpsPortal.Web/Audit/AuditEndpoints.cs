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
            .WithSummary("Re-compute the hash chain and report the first broken link.");
    }
}
