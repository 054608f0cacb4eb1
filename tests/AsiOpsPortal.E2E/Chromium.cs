namespace AsiOpsPortal.E2E;

/// <summary>Debian's Chromium, driven by Playwright's bundled driver. Never `playwright install`: there are no downloads here.</summary>
public static class Chromium
{
    public const string Variable = "ASIOPS_CHROMIUM";
    public const string DefaultPath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>The browser to drive; a missing one fails the run (a skipped browser test proves nothing).</summary>
    public static string ExecutablePath()
    {
        var path = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : DefaultPath;
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"Chromium not found at {path}. Install it with `apt-get install -y chromium` (scripts/test.sh does) or point {Variable} at a Chromium binary.");
        return path;
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath(), Headless = true, Args = Args });
}
