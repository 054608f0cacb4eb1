using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Versioned documents (pipelines, scheduler policies) over HTTP: JSON or YAML both ways, the version as ETag, and
/// If-Match so a stale editor cannot save over newer work.
/// </summary>
public static class DocumentHttp
{
    public static readonly string[] YamlTypes = ["application/yaml", "application/x-yaml", "text/yaml"];
    public static readonly string[] BodyTypes = ["application/json", .. YamlTypes];

    /// <summary>The document as JSON, or as YAML on <c>?format=yaml</c> or <c>Accept: application/yaml</c>, with its version as ETag.</summary>
    public static IResult Respond<T>(HttpContext http, string? format, int status, uint version, T document, Func<T, string> toYaml)
    {
        http.Response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
        return WantsYaml(http.Request, format)
            ? Results.Text(toYaml(document), "application/yaml; charset=utf-8", Encoding.UTF8, status)
            : Results.Json(document, statusCode: status);
    }

    public static bool HasDocumentBody(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && BodyTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase);

    /// <param name="what">"pipeline", "policy": what the caller should send.</param>
    public static IResult UnsupportedMediaType(string what) =>
        Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
            detail: $"Send the {what} as one of: {string.Join(", ", BodyTypes)}.");

    /// <summary>The body as text: JSON is YAML too, so one strict reader serves both.</summary>
    public static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    /// <summary>The version If-Match names; null without one (or with <c>*</c>).</summary>
    public static uint? ExpectedVersion(HttpRequest request, string what)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*") return null;
        var tag = (header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header).Trim('"');
        return uint.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ValidationFailedException([$"If-Match must be the ETag a GET of this {what} returned, e.g. \"1234\"."]);
    }

    private static bool WantsYaml(HttpRequest request, string? format) =>
        string.Equals(format, "yaml", StringComparison.OrdinalIgnoreCase)
        || request.GetTypedHeaders().Accept.Any(a => YamlTypes.Contains(a.MediaType.Value, StringComparer.OrdinalIgnoreCase));
}
