namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Headers every response carries: no content sniffing, no full URLs leaking to other sites, and a Content-Security-Policy
/// as strict as Blazor Server and MudBlazor allow.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from the portal itself (blazor.web.js, MudBlazor.min.js; no inline script, no eval). Styles allow
    /// 'unsafe-inline' because MudBlazor writes style attributes. connect-src 'self' covers the circuit's WebSocket to the
    /// same host and port in current browsers (CSP 3). form-action gains the sign-in provider's origin when one is set.
    /// </summary>
    public static string ContentSecurityPolicy(string? oidcAuthority)
    {
        var formAction = "'self'";
        if (Uri.TryCreate(oidcAuthority, UriKind.Absolute, out var authority))
            formAction += " " + authority.GetLeftPart(UriPartial.Authority);
        return string.Join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            $"form-action {formAction}");
    }

    public static void UseSecurityHeaders(this WebApplication app)
    {
        var policy = ContentSecurityPolicy(app.Configuration[$"{Accounts.SingleSignOnOptions.Section}:Authority"]);
        app.Use((context, next) =>
        {
            // Set as the response starts, so error pages (whose handler clears the headers) carry them too.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = policy;
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
