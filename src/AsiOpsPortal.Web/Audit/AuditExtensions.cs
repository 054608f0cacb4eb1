using AsiOpsPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;

namespace AsiOpsPortal.Web.Audit;

public static class AuditExtensions
{
    public static void AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditedWrite>();
        builder.Services.AddSingleton<VersionedDocumentStore>();
        builder.Services.AddSingleton<AuditService>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
    }
}
