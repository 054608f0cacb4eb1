using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Risk;

public static class RiskEndpoints
{
    public static void MapRiskEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/risk-rules").WithTags("Risk rules");

        api.MapGet("/", async (RiskService risk, CancellationToken ct) =>
            {
                var items = await risk.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("The built-in risk rules with their settings: enabled, severity, parameters, scope.");

        api.MapGet("/{name}", async (string name, RiskService risk, CancellationToken ct) =>
                await risk.GetAsync(name, ct) ?? throw new NotFoundException($"No risk rule named '{name}'."))
            .RequireAuthorization(Policies.Sre);

        api.MapPut("/{name}", async (string name, RiskRuleUpdate update, RiskService risk, Actor actor, CancellationToken ct) =>
                await risk.UpdateAsync(name, update, actor, ct))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Change a rule's settings (Admin): enabled, severity (blocking | warning), parameters, scope; audited.");
    }
}
