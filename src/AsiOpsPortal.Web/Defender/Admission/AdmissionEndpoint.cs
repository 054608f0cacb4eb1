using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Defender;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender.Admission;

/// <summary>A refusal to read or hear a webhook call, as a short JSON body.</summary>
public sealed record WebhookProblem(string Message);

/// <summary>
/// <c>POST /admission/v1/defender/{cluster}</c>: a cluster's API server asks whether a request may proceed. Destructive
/// operations (delete, eviction, scale to zero) are decided against the budgets; everything else, dry runs and the exempt
/// controllers are allowed without counting.
/// </summary>
public static class AdmissionEndpoint
{
    public const string Route = "/admission/v1/defender/{cluster}";

    public static string PathFor(string cluster) => $"/admission/v1/defender/{Uri.EscapeDataString(cluster)}";

    public static void MapAdmission(this IEndpointRouteBuilder routes) =>
        routes.MapPost(Route, ReviewAsync).RequireAuthorization(ClusterTokenAuthentication.Policy);

    private static async Task<Results<Ok<JsonObject>, BadRequest<WebhookProblem>, JsonHttpResult<WebhookProblem>>> ReviewAsync(
        HttpContext http, DefenderStore store, IOptions<DefenderOptions> options, CancellationToken ct)
    {
        string body;
        try
        {
            using var reader = new StreamReader(http.Request.Body);
            body = await reader.ReadToEndAsync(ct);
        }
        catch (BadHttpRequestException e)
        {
            // Over MaxBodyBytes (413), or a body that stopped arriving.
            return TypedResults.Json(new WebhookProblem($"body: {e.Message}"), statusCode: e.StatusCode);
        }
        var (review, problem) = AdmissionReviews.Read(body);
        if (review is null) return TypedResults.BadRequest(new WebhookProblem(problem!));
        // A dry run changes nothing, so it spends nothing: the configuration declares sideEffects NoneOnDryRun.
        if (review.Operation is not { } operation || review.DryRun || options.Value.Exempt.Contains(review.User))
            return TypedResults.Ok(AdmissionReviews.Allow(review.Uid));
        var cluster = http.Features.Get<KeyedCluster>()!;
        var verdict = await store.DecideAsync(review.ToRequest(operation, cluster.Name, cluster.Environment, cluster.Labels), ct);
        return TypedResults.Ok(AdmissionReviews.Answer(review.Uid, verdict));
    }
}
