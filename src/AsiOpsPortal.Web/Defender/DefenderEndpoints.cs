using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender.Admission;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Defender;

/// <summary>The body of a breaker reset: why it may close (audited).</summary>
public sealed record BreakerResetRequest(string? Reason);

/// <summary>What connects a cluster's API server to the webhook: its token (shown this once), the URL to call and the CA to trust.</summary>
public sealed record ClusterKeyIssued(string Cluster, string Token, string? WebhookUrl, string CaBundle);

public static class DefenderEndpoints
{
    public static void MapDefenderEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/defender").WithTags("Defender");

        api.MapGet("/budgets", async (DefenderService defender, CancellationToken ct) =>
            {
                var items = await defender.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Budgets by name, each with its windows now (used, limit, refillsAt) and its breaker.");

        api.MapGet("/budgets/{name}", (string name, DefenderService defender, CancellationToken ct) => defender.GetAsync(name, ct))
            .RequireAuthorization(Policies.Viewer);

        api.MapPost("/budgets", async (BudgetRequest request, DefenderService defender, Actor actor, CancellationToken ct) =>
            {
                var created = await defender.CreateAsync(request, actor, ct);
                return Results.Created($"/api/v1/defender/budgets/{created.Name}", created);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Create a budget: {name, scope, resources, verbs, limits, breaker, mode} (400 with every problem, 409 for a taken name).");

        api.MapPut("/budgets/{name}", (string name, BudgetRequest request, DefenderService defender, Actor actor, CancellationToken ct) =>
            {
                if (request.Name is { } named && named.Trim() != name)
                    throw new ValidationFailedException([$"name: the body names budget '{named}', but this is '{name}'; budgets cannot be renamed."]);
                return defender.UpdateAsync(name, request, actor, ct);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Replace a budget's definition; spends already counted stay.");

        api.MapDelete("/budgets/{name}", async (string name, DefenderService defender, Actor actor, CancellationToken ct) =>
            {
                await defender.DeleteAsync(name, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapGet("/decisions", async (string? cluster, bool? allowed, int? page, int? pageSize, DefenderQueries queries, CancellationToken ct) =>
            {
                var (pageNumber, size) = Paging.Check(page, pageSize, 50);
                var result = await queries.DecisionsAsync(new DecisionQuery(cluster, allowed, Page: pageNumber, PageSize: size), ct);
                return new { items = result.Items, total = result.Total };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Decisions newest first: who, user agent, what, cluster, allowed, the budget and window that refused (or would have).");

        api.MapPost("/breakers/{budget}/reset", (string budget, BreakerResetRequest request, DefenderService defender, Actor actor, CancellationToken ct) =>
                defender.CloseBreakerAsync(budget, request.Reason, actor, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Close a budget's open breaker with a reason (400 without one, 409 when it is not open); its windows stay as they are.");

        api.MapGet("/agent-limits", async (DefenderService defender, CancellationToken ct) =>
            {
                var items = await defender.ListAgentLimitsAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Agent limits: requests per second from user agents matching a pattern, for one resource and verb ('*' for any).");

        api.MapPost("/agent-limits", async (AgentLimitRequest request, DefenderService defender, Actor actor, CancellationToken ct) =>
            {
                var created = await defender.CreateAgentLimitAsync(request, actor, ct);
                return Results.Created($"/api/v1/defender/agent-limits/{created.Id}", created);
            })
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Create an agent limit: {pattern, resource, verb, perSecond} (400 with every problem, 409 when one exists for the same pattern, resource and verb).");

        api.MapPut("/agent-limits/{id:guid}", (Guid id, AgentLimitRequest request, DefenderService defender, Actor actor, CancellationToken ct) =>
                defender.UpdateAgentLimitAsync(id, request, actor, ct))
            .RequireAuthorization(Policies.Sre)
            .WithSummary("Replace an agent limit's pattern, resource, verb and rate.");

        api.MapDelete("/agent-limits/{id:guid}", async (Guid id, DefenderService defender, Actor actor, CancellationToken ct) =>
            {
                await defender.DeleteAgentLimitAsync(id, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapGet("/break-glass", async (BreakGlassService breakGlass, CancellationToken ct) =>
            {
                var items = await breakGlass.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Clusters the defender is lifted for now (break-glass): who, why, until when.");

        api.MapPost("/break-glass", async (BreakGlassRequest request, BreakGlassService breakGlass, Actor actor, CancellationToken ct) =>
            {
                var started = await breakGlass.StartAsync(request, actor, ct);
                return Results.Created($"/api/v1/defender/break-glass/{started.Cluster}", started);
            })
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Lift the defender for one cluster: {cluster, minutes, reason} (400 naming each problem, 404 for no such cluster, 409 when already lifted).");

        api.MapDelete("/break-glass/{cluster}", async (string cluster, BreakGlassService breakGlass, Actor actor, CancellationToken ct) =>
            {
                await breakGlass.EndAsync(cluster, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Admin)
            .WithSummary("End a cluster's break-glass early (409 when the defender is not lifted there).");

        api.MapPost("/clusters/{cluster}/key", async (string cluster, DefenderClusterKeys keys, DefenderCertificates certificates,
                DefenderWebhookListener listener, Actor actor, CancellationToken ct) =>
            {
                var token = await keys.IssueAsync(cluster, actor, ct) ?? throw new NotFoundException($"No cluster named '{cluster}'.");
                return new ClusterKeyIssued(cluster, token, listener.UrlFor(cluster), await certificates.CaBundleAsync(ct));
            })
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Issue a cluster's admission webhook token (replacing any earlier one; shown once, audited) with the webhook URL and caBundle.");

        api.MapPost("/install", async (InstallRequest? request, DefenderInstaller installer, Actor actor, CancellationToken ct) =>
            {
                var proposed = await installer.ProposeInstallAsync(request?.Clusters, actor, ct);
                return Results.Created($"/api/v1/changes/{proposed.ChangeId}", proposed);
            })
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Propose installing the asiops-defender component on {clusters} (every registered cluster when left out): a change that needs its approvals like any other. 409 while no webhook listener is configured.");
    }
}
