namespace AsiOpsPortal.Web.Demo;

public sealed class DemoOptions
{
    public const string Section = "Demo";
    public bool Enabled { get; set; }
    /// <summary>FleetSim's fleet.json: the clusters to register on start.</summary>
    public string? FleetFile { get; set; }
    /// <summary>Where the demo users' API tokens are written, as {"alice": "...", ...}.</summary>
    public string? TokensFile { get; set; }
}
