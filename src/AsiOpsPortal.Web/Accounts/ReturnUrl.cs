namespace AsiOpsPortal.Web.Accounts;

/// <summary>Where people go after signing in: only paths on this portal, so a crafted link cannot send a fresh session elsewhere.</summary>
public static class ReturnUrl
{
    public const string Home = "/";

    /// <summary><paramref name="url"/> when it is a path on this portal, otherwise the home page.</summary>
    public static string LocalOrHome(string? url) => IsLocal(url) ? url! : Home;

    /// <summary>
    /// ASP.NET Core's IsLocalUrl rules: "/path", never "//host" or "/\host", and no control characters, which browsers
    /// strip ("/\t/host" would become "//host").
    /// </summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);
}

/// <summary>Why a sign-in ended back on the login page; the page says each in a sentence.</summary>
public static class LoginErrors
{
    public const string Invalid = "invalid";
    public const string Locked = "locked";
    public const string SingleSignOnFailed = "sso";
    public const string SingleSignOnLocked = "sso-locked";
    public const string Throttled = "throttled";

    public static string LoginPage(string error, string returnUrl) =>
        $"/account/login?error={error}&returnUrl={Uri.EscapeDataString(ReturnUrl.LocalOrHome(returnUrl))}";

    public static string ThrottledPage(int retryAfterSeconds, string returnUrl) => $"{LoginPage(Throttled, returnUrl)}&retryAfter={retryAfterSeconds}";

    public static string ThrottledMessage(int retryAfterSeconds) => $"Too many failed sign-ins; try again in {retryAfterSeconds} s.";
}
