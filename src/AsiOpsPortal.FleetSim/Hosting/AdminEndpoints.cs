using AsiOpsPortal.FleetSim.Fleet;

namespace AsiOpsPortal.FleetSim.Hosting;

/// <summary>
/// /admin: the simulator's own controls over HTTP, for demos and scripts. Unauthenticated because the simulator
/// only ever binds to loopback.
/// </summary>
internal static class AdminEndpoints
{
    private sealed record WebhookCredential(string Server, string Token);

    private sealed record AddClusterRequest(string Name, string Environment, string Region, string Zone, int Tier, int Nodes);

    /// <summary>SimFault on the wire: latency in milliseconds, everything else as named.</summary>
    private sealed record FaultRequest(double LatencyMs, double ErrorRate, bool Unreachable, int NotReadyNodes, bool ExpiredCertificates)
    {
        public SimFault ToFault() => new()
        {
            Latency = TimeSpan.FromMilliseconds(LatencyMs),
            ErrorRate = ErrorRate,
            Unreachable = Unreachable,
            NotReadyNodes = NotReadyNodes,
            ExpiredCertificates = ExpiredCertificates,
        };

        public static FaultRequest From(SimFault f) =>
            new(f.Latency.TotalMilliseconds, f.ErrorRate, f.Unreachable, f.NotReadyNodes, f.ExpiredCertificates);
    }

    public static void MapAdminEndpoints(this WebApplication app, FleetContext fleet)
    {
        var admin = app.MapGroup("/admin");
        admin.MapGet("/clusters", () => fleet.Infos);
        admin.MapPost("/clusters", (AddClusterRequest request) =>
        {
            if (fleet.TryGet(request.Name, out _)) return Results.Conflict(new { message = $"cluster {request.Name} already exists" });
            try
            {
                var info = fleet.AddCluster(request.Name, request.Environment, request.Region, request.Zone, request.Tier, request.Nodes).Info;
                return Results.Created($"/admin/clusters/{info.Name}", info);
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(new { message = e.Message });
            }
        });
        admin.MapGet("/clusters/{name}/kubeconfig", (string name) =>
            fleet.TryGet(name, out var c)
                ? Results.Text(Kubeconfigs.For(fleet, c), "application/yaml")
                : Results.NotFound());
        admin.MapGet("/clusters/{name}/faults", (string name) =>
            fleet.TryGet(name, out var c) ? Results.Ok(FaultRequest.From(c.Fault)) : Results.NotFound());
        admin.MapPut("/clusters/{name}/faults", (string name, FaultRequest request) =>
        {
            if (!fleet.TryGet(name, out var c)) return Results.NotFound();
            c.SetFault(request.ToFault());
            return Results.NoContent();
        });
        admin.MapDelete("/clusters/{name}/faults", (string name) =>
        {
            if (!fleet.TryGet(name, out var c)) return Results.NotFound();
            c.SetFault(SimFault.None);
            return Results.NoContent();
        });
        // Stands for editing a cluster's API server flags: the tokens it presents to admission webhooks, by server.
        admin.MapGet("/clusters/{name}/webhook-credentials", (string name) =>
            fleet.TryGet(name, out var c) ? Results.Ok(new { servers = c.WebhookTokens.Keys.Order(StringComparer.Ordinal) }) : Results.NotFound());
        admin.MapPut("/clusters/{name}/webhook-credentials", (string name, WebhookCredential[] credentials) =>
        {
            if (!fleet.TryGet(name, out var c)) return Results.NotFound();
            if (credentials.FirstOrDefault(w => string.IsNullOrWhiteSpace(w.Server) || string.IsNullOrEmpty(w.Token)) is { } bad)
                return Results.BadRequest(new { message = $"every credential needs a server (host:port, host or *.domain) and a token; '{bad.Server}' does not" });
            c.WebhookTokens = credentials.GroupBy(w => w.Server.Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last().Token, StringComparer.OrdinalIgnoreCase);
            return Results.NoContent();
        });
        admin.MapGet("/requests", (string? cluster) => fleet.Requests.Snapshot(cluster));
        admin.MapDelete("/requests", () =>
        {
            fleet.Requests.Clear();
            return Results.NoContent();
        });
    }
}
