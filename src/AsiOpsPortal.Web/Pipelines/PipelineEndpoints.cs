using System.Globalization;
using System.Security.Claims;
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
    private static readonly string[] YamlTypes = ["application/yaml", "application/x-yaml", "text/yaml"];
    private static readonly string[] BodyTypes = ["application/json", .. YamlTypes];

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
            .Produces<PipelineDocument>(StatusCodes.Status200OK, "application/json", YamlTypes)
            .WithSummary("One pipeline as JSON, or as YAML with Accept: application/yaml or ?format=yaml.");

        api.MapPost("/", async (string? format, HttpContext http, PipelineService pipelines, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (!HasDocumentBody(http.Request)) return UnsupportedMediaType();
                var created = await pipelines.CreateAsync(await ReadDocumentAsync(http.Request, ct), user.ActorName(), ct);
                http.Response.Headers.Location = $"/api/v1/pipelines/{created.Document.Name}";
                return Respond(http, format, StatusCodes.Status201Created, created);
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<PipelineDocument>("application/json", YamlTypes)
            .WithSummary("Create a pipeline from JSON or YAML.");

        api.MapPut("/{name}", async (string name, string? format, HttpContext http, PipelineService pipelines, ClaimsPrincipal user, CancellationToken ct) =>
            {
                if (!HasDocumentBody(http.Request)) return UnsupportedMediaType();
                var document = await ReadDocumentAsync(http.Request, ct);
                var updated = await pipelines.UpdateAsync(name, document, ExpectedVersion(http.Request), user.ActorName(), ct);
                return Respond(http, format, StatusCodes.Status200OK, updated);
            })
            .RequireAuthorization(Policies.Sre)
            .Accepts<PipelineDocument>("application/json", YamlTypes)
            .WithSummary("Replace a pipeline's description, scope and waves; If-Match with the ETag refuses to overwrite a newer save (409).");

        api.MapDelete("/{name}", async (string name, PipelineService pipelines, ClaimsPrincipal user, CancellationToken ct) =>
            {
                await pipelines.DeleteAsync(name, user.ActorName(), ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Sre);

        api.MapGet("/{name}/plan", (string name, PipelineService pipelines, CancellationToken ct) => pipelines.PlanAsync(name, ct))
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("The plan the pipeline resolves to against the registered clusters now: ordered waves, and clusters in scope no wave holds.");
    }

    private static NotFoundException NotFound(string name) => new($"No pipeline named '{name}'.");

    private static IResult Respond(HttpContext http, string? format, int status, PipelineView pipeline)
    {
        http.Response.Headers.ETag = $"\"{pipeline.Version.ToString(CultureInfo.InvariantCulture)}\"";
        return WantsYaml(http.Request, format)
            ? Results.Text(PipelineYaml.Export(pipeline.Document), "application/yaml; charset=utf-8", Encoding.UTF8, status)
            : Results.Json(pipeline.Document, statusCode: status);
    }

    private static bool WantsYaml(HttpRequest request, string? format) =>
        string.Equals(format, "yaml", StringComparison.OrdinalIgnoreCase)
        || request.GetTypedHeaders().Accept.Any(a => YamlTypes.Contains(a.MediaType.Value, StringComparer.OrdinalIgnoreCase));

    private static bool HasDocumentBody(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && BodyTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase);

    private static IResult UnsupportedMediaType() =>
        Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
            detail: $"Send the pipeline as one of: {string.Join(", ", BodyTypes)}.");

    /// <summary>JSON is YAML too, so one strict reader serves both and reports unknown keys with their line either way.</summary>
    private static async Task<PipelineDocument> ReadDocumentAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return PipelineService.Import(await reader.ReadToEndAsync(ct));
    }

    private static uint? ExpectedVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*") return null;
        var tag = (header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header).Trim('"');
        return uint.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ValidationFailedException(["If-Match must be the ETag a GET of this pipeline returned, e.g. \"1234\"."]);
    }
}
