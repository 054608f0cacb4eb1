using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AsiOpsPortal.Web.Audit;

/// <summary>Every request refused for lack of a role leaves an audit event, then gets the usual 403.</summary>
public sealed class AuditingAuthorizationResultHandler(AuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Forbidden)
            await audit.RecordAsync(context.User.ActorName(), AuditActions.AccessDenied, $"{context.Request.Method} {context.Request.Path}",
                $"roles required: {string.Join(",", policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles))}",
                succeeded: false, ct: context.RequestAborted);
        await _default.HandleAsync(next, context, policy, result);
    }
}
