namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>Static assets live in the repository's root wwwroot/; the build copies them beside the binaries.</summary>
public static class WebRoot
{
    public static string Locate() => Path.Combine(AppContext.BaseDirectory, "wwwroot");
}
