using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Checks every text value on its way into PostgreSQL (from the API, a page or a job alike): no NUL character, and no
/// longer than <see cref="StoredText"/> allows. A refusal names the entity and field; without it the database would
/// answer with an error the person could not act on.
/// </summary>
public sealed class StoredTextGuard : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is null) return;
        var problems = new List<string>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified)) continue;
            var entity = entry.Metadata.ClrType.Name;
            foreach (var property in entry.Properties)
            {
                if (entry.State == EntityState.Modified && !property.IsModified || property.CurrentValue is null) continue;
                var text = property.CurrentValue as string
                    // Value objects stored as JSON: a NUL becomes \u0000, which jsonb refuses.
                    ?? (property.Metadata.GetValueConverter() is { ProviderClrType: var provider } converter && provider == typeof(string)
                        ? (converter.ConvertToProvider(property.CurrentValue) as string)?.Replace("\\u0000", "\0")
                        : null);
                if (text is null) continue;
                var maxLength = property.CurrentValue is string
                    ? StoredText.MaxLength(entity, property.Metadata.Name, property.Metadata.GetMaxLength())
                    : null;
                if (StoredText.Problem(entity, property.Metadata.Name, text, maxLength) is { } problem) problems.Add(problem);
            }
        }
        if (problems.Count > 0) throw new ValidationFailedException(problems.Distinct().ToList());
    }
}
