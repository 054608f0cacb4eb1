using System.Globalization;
using System.Text;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace AsiOpsPortal.Web.Pipelines;

/// <summary>
/// /api/v1/pipelines. Bodies are the pipeline document as JSON or YAML; answers are JSON, or YAML when asked for
/// (<c>Accept: application/yaml</c> or <c>?format=yaml</c>). The ETag is the version: send it back as If-Match to refuse
/// saving over someone else's edit.
/// </summary>
public static class PipelineEndpoints
{
    public static void MapPipelineEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/pipelines").WithTags("Pipelines");

        api.MapGet("/", async (PipelineService pipelines, CancellationToken ct) =>
            {
                var items = await pipelines.ListAsync(ct);
                return new { items, total = items.Count };
            })
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("List pipelines by name.");

        api.MapGet("/{name}", async (string name, string? format, HttpContext http, PipelineService pipelines, CancellationToken ct) =>
                Respond(http, format, StatusCodes.Status200OK, await pipelines.GetAsync(name, ct) ?? throw NotFound(name)))
            .RequireAuthorization(Policies.Viewer)
            .Produces<PipelineDocument>(StatusCodes.Status200OK, "application/json", DocumentHttp.YamlTypes)
            .WithSummary("One pipeline as JSON, or as YAML with Accept: application/yaml or ?format=yaml.");

        api.MapPost("/", async (string? format, HttpContext http, PipelineService pipelines, Actor actor, CancellationToken ct) =>
            {
                if (!DocumentHttp.HasDocumentBody(http.Request)) return DocumentHttp.UnsupportedMediaType("pipeline");
                var created = await pipelines.CreateAsync(PipelineService.Import(await DocumentHttp.ReadBodyAsync(http.Request, ct)), actor, ct);
                http.Response.Headers.Location = $"/api/v1/pipelines/{created.Document.Name}";
                return Respond(http, format, StatusCodes.Status201Created, created);
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<PipelineDocument>("application/json", DocumentHttp.YamlTypes)
            .WithSummary("Create a pipeline from JSON or YAML.");

        api.MapPut("/{name}", async (string name, string? format, HttpContext http, PipelineService pipelines, Actor actor, CancellationToken ct) =>
            {
                if (!DocumentHttp.HasDocumentBody(http.Request)) return DocumentHttp.UnsupportedMediaType("pipeline");
                var document = PipelineService.Import(await DocumentHttp.ReadBodyAsync(http.Request, ct));
                var updated = await pipelines.UpdateAsync(name, document, DocumentHttp.ExpectedVersion(http.Request, "pipeline"), actor, ct);
                return Respond(http, format, StatusCodes.Status200OK, updated);
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<PipelineDocument>("application/json", DocumentHttp.YamlTypes)
            .WithSummary("Replace a pipeline's description, scope and waves; If-Match with the ETag refuses to overwrite a newer save (409).");

        api.MapDelete("/{name}", async (string name, PipelineService pipelines, Actor actor, CancellationToken ct) =>
            {
                await pipelines.DeleteAsync(name, actor, ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapGet("/{name}/plan", (string name, PipelineService pipelines, CancellationToken ct) => pipelines.PlanAsync(name, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The plan the pipeline resolves to against the registered clusters now: ordered waves, and clusters in scope no wave holds.");
    }

    private static NotFoundException NotFound(string name) => new($"No pipeline named '{name}'.");

    private static IResult Respond(HttpContext http, string? format, int status, PipelineView pipeline) =>
        DocumentHttp.Respond(http, format, status, pipeline.Version, pipeline.Document, PipelineYaml.Export);
}
