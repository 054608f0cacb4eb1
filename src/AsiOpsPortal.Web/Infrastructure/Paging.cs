namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// One paging rule for every list the API serves: <c>page</c> counts from 0, <c>pageSize</c> (or <c>limit</c>) is 1 to
/// <see cref="MaxPageSize"/>. Values outside are refused with 400 rather than clamped, so a script never mistakes a
/// shortened answer for the whole list.
/// </summary>
public static class Paging
{
    public const int MaxPageSize = 500;

    /// <summary>The page and page size asked for, or the defaults; throws naming the parameter when out of range.</summary>
    public static (int Page, int PageSize) Check(int? page, int? pageSize, int defaultPageSize)
    {
        var errors = new List<string>();
        var size = pageSize ?? defaultPageSize;
        if (size is < 1 or > MaxPageSize) errors.Add($"pageSize must be from 1 to {MaxPageSize}.");
        var number = page ?? 0;
        if (number < 0) errors.Add("page must be 0 or more (the first page is 0).");
        else if (errors.Count == 0 && (long)number * size > int.MaxValue) errors.Add($"page is too far: page × pageSize must stay under {int.MaxValue:N0}.");
        if (errors.Count > 0) throw new ValidationFailedException(errors);
        return (number, size);
    }

    /// <summary>A <c>limit</c> (lists without pages): the one given, or the default; throws when out of range.</summary>
    public static int CheckLimit(int? limit, int defaultLimit) =>
        (limit ?? defaultLimit) is var value and >= 1 and <= MaxPageSize ? value
        : throw new ValidationFailedException([$"limit must be from 1 to {MaxPageSize}."]);

    /// <summary>Rows to skip, safe for any input: services clamp what pages pass them the same way.</summary>
    public static int Skip(int page, int pageSize) => (int)Math.Min(int.MaxValue, (long)Math.Max(0, page) * Math.Max(0, pageSize));
}
