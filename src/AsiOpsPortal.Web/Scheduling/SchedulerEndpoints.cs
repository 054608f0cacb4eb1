using System.Globalization;
using System.Text;
using AsiOpsPortal.Core.Documents;
using AsiOpsPortal.Core.Scheduling;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace AsiOpsPortal.Web.Scheduling;

/// <summary>
/// /api/v1/scheduler. Policies are read and written as JSON or YAML like pipelines (<c>Accept: application/yaml</c> or
/// <c>?format=yaml</c>; the ETag is the version, If-Match refuses to save over someone else's edit). The preview takes a
/// policy inline or <c>{"policy": NAME}</c> and answers the explained plan.
/// </summary>
public static class SchedulerEndpoints
{
    public static void MapSchedulerEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/scheduler").WithTags("Scheduler");

        api.MapGet("/policies", async (SchedulerService scheduler, CancellationToken ct) =>
            {
                var items = await scheduler.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("List scheduler policies by name.");

        api.MapGet("/policies/{name}", async (string name, string? format, HttpContext http, SchedulerService scheduler, CancellationToken ct) =>
                Respond(http, format, StatusCodes.Status200OK, await scheduler.GetAsync(name, ct) ?? throw new NotFoundException($"No scheduler policy named '{name}'.")))
            .RequireAuthorization(Policies.Viewer)
            .Produces<SchedulerPolicyDocument>(StatusCodes.Status200OK, "application/json", DocumentHttp.YamlTypes)
            .WithSummary("One policy as JSON, or as YAML with Accept: application/yaml or ?format=yaml.");

        api.MapPost("/policies", async (string? format, HttpContext http, SchedulerService scheduler, Actor actor, CancellationToken ct) =>
            {
                if (!DocumentHttp.HasDocumentBody(http.Request)) return DocumentHttp.UnsupportedMediaType("policy");
                var created = await scheduler.CreateAsync(SchedulerService.Import(await DocumentHttp.ReadBodyAsync(http.Request, ct)), actor, ct);
                http.Response.Headers.Location = $"/api/v1/scheduler/policies/{created.Document.Name}";
                return Respond(http, format, StatusCodes.Status201Created, created);
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<SchedulerPolicyDocument>("application/json", DocumentHttp.YamlTypes)
            .WithSummary("Create a scheduler policy from JSON or YAML.");

        api.MapPut("/policies/{name}", async (string name, string? format, HttpContext http, SchedulerService scheduler, Actor actor, CancellationToken ct) =>
            {
                if (!DocumentHttp.HasDocumentBody(http.Request)) return DocumentHttp.UnsupportedMediaType("policy");
                var document = SchedulerService.Import(await DocumentHttp.ReadBodyAsync(http.Request, ct));
                return Respond(http, format, StatusCodes.Status200OK, await scheduler.UpdateAsync(name, document, DocumentHttp.ExpectedVersion(http.Request, "policy"), actor, ct));
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<SchedulerPolicyDocument>("application/json", DocumentHttp.YamlTypes)
            .WithSummary("Replace a policy's settings; If-Match with the ETag refuses to overwrite a newer save (409).");

        api.MapDelete("/policies/{name}", async (string name, SchedulerService scheduler, Actor actor, CancellationToken ct) =>
            {
                await scheduler.DeleteAsync(name, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapPost("/preview", async (HttpContext http, SchedulerService scheduler, Actor actor, CancellationToken ct) =>
            {
                if (!DocumentHttp.HasDocumentBody(http.Request)) return DocumentHttp.UnsupportedMediaType("policy");
                var body = await DocumentHttp.ReadBodyAsync(http.Request, ct);
                var preview = PolicyNamed(body) is { } name
                    ? await scheduler.PreviewAsync(name, actor, ct)
                    : await scheduler.PreviewAsync(SchedulerService.Import(body), ct);
                return Results.Json(preview);
            })
            .RequireAuthorization(Policies.Viewer)
            .Accepts<SchedulerPolicyDocument>("application/json", DocumentHttp.YamlTypes)
            .Produces<SchedulerPreviewView>()
            .WithSummary("The explained plan of a policy against the registered clusters now: waves of clusters with scores per plugin, and the excluded with reasons. "
                + "Body: a policy, or {\"policy\": NAME} for a saved one (which also records the preview and answers the diff against the previous one).");
    }

    /// <summary>The NAME of a <c>{policy: NAME}</c> body, or null when the body is a policy itself.</summary>
    private static string? PolicyNamed(string body)
    {
        try
        {
            var name = StrictYaml.Read<SavedPolicy>(body).Policy;
            return name.Contains('\0') ? throw new ValidationFailedException(["Field policy contains a NUL character (U+0000); remove it."]) : name.Trim();
        }
        catch (YamlDocumentException)
        {
            // Not {policy: NAME}; the policy reader reports what is wrong with it.
            return null;
        }
    }

    private sealed class SavedPolicy
    {
        public required string Policy { get; init; }
    }

    private static IResult Respond(HttpContext http, string? format, int status, SchedulerPolicyView policy) =>
        DocumentHttp.Respond(http, format, status, policy.Version, policy.Document, SchedulerYaml.Export);
}
