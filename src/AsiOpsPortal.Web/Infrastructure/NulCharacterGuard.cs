namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Refuses U+0000 in the query string, route values and form fields with a 400 naming the parameter. PostgreSQL cannot
/// hold NUL in text, so such a value would otherwise fail deep inside a query. (JSON bodies are checked as they are read,
/// see <see cref="StrictJson"/>; whatever else reaches the database is checked on save.)
/// </summary>
public sealed class NulCharacterGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var offending = context.Request.Query.Where(q => HasNul(q.Key) || q.Value.Any(HasNul)).Select(q => $"query parameter '{Printable(q.Key)}'")
            .Concat(context.Request.RouteValues.Where(r => r.Value is string s && HasNul(s)).Select(r => $"'{r.Key}' in the path"))
            .ToList();
        if (offending.Count == 0 && context.Request.HasFormContentType)
        {
            IFormCollection form;
            try { form = await context.Request.ReadFormAsync(context.RequestAborted); }
            // A malformed form is the endpoint's to refuse (415 or 400), not a reason for a 500 here.
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException) { form = FormCollection.Empty; }
            offending.AddRange(form.Where(f => HasNul(f.Key) || f.Value.Any(HasNul)).Select(f => $"form field '{Printable(f.Key)}'"));
        }
        if (offending.Count == 0)
        {
            await next(context);
            return;
        }
        throw new ValidationFailedException(offending.Select(o => $"The {o} contains a NUL character (U+0000); remove it.").ToList());
    }

    private static bool HasNul(string? value) => value?.Contains('\0') == true;

    private static string Printable(string value) => value.Replace("\0", "\\0");
}
