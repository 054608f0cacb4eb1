using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Web.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace AsiOpsPortal.Web.Accounts;

/// <summary>
/// When the provider refuses someone, or its answer does not check out, the attempt is audited and the person lands on
/// the login page with a sentence instead of an exception page.
/// </summary>
public sealed partial class SingleSignOnEvents(AuditLog audit) : OpenIdConnectEvents
{
    /// <summary>The challenge keeps the return URL here, since a failure never reaches the callback that carries it.</summary>
    public const string ReturnUrlItem = "returnUrl";

    public override async Task RemoteFailure(RemoteFailureContext context)
    {
        var returnUrl = context.Properties?.Items.TryGetValue(ReturnUrlItem, out var url) == true ? url : null;
        await audit.RecordAsync("anonymous", AuditActions.LoginFailed, "portal",
            $"ip={context.HttpContext.Connection.RemoteIpAddress}; via={context.Scheme.Name}; reason={Reason(context.Failure)}",
            succeeded: false, context.HttpContext.RequestAborted);
        context.Response.Redirect(LoginErrors.LoginPage(LoginErrors.SingleSignOnFailed, ReturnUrl.LocalOrHome(returnUrl)));
        context.HandleResponse();
    }

    /// <summary>
    /// A short, searchable reason. IdentityModel's messages may quote the token (when PII logging is on), so only their
    /// IDX code is kept; the provider's error code is reduced to the characters such codes use.
    /// </summary>
    internal static string Reason(Exception? failure)
    {
        if (failure is null) return "unknown";
        if (failure.Data["error"] is string error)
        {
            var cleaned = ErrorCodeNoise().Replace(error, "");
            return $"provider error {cleaned[..Math.Min(40, cleaned.Length)]}";
        }
        if (IdentityModelCode().Match(failure.Message) is { Success: true } code) return $"{code.Value} ({failure.GetType().Name})";
        return failure.Message.Length <= 120 ? failure.Message : failure.Message[..120];
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex ErrorCodeNoise();

    [GeneratedRegex(@"IDX\d{5}")]
    private static partial Regex IdentityModelCode();
}
