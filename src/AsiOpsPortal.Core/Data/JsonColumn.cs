using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Data;

public static class JsonColumn
{
    /// <summary>The JSON a jsonb column holds for <paramref name="value"/>, for writers that bypass EF (bulk COPY).</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null);

    /// <summary>The value a jsonb column holds, for readers that bypass EF.</summary>
    public static T Deserialize<T>(string json) where T : new() => JsonSerializer.Deserialize<T>(json, (JsonSerializerOptions?)null) ?? new T();

    /// <summary>
    /// Stores a small value object as jsonb, compared by its JSON so in-place edits are noticed. A nullable property gets a
    /// nullable column: EF never hands null to the conversion, so null stays SQL NULL.
    /// </summary>
    public static PropertyBuilder<T> HasJsonConversion<T>(this PropertyBuilder<T> property) where T : class?, new()
    {
        property.HasConversion(
                value => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null),
                json => JsonSerializer.Deserialize<T>(json, (JsonSerializerOptions?)null) ?? new T(),
                new ValueComparer<T>(
                    (a, b) => JsonSerializer.Serialize(a, (JsonSerializerOptions?)null) == JsonSerializer.Serialize(b, (JsonSerializerOptions?)null),
                    value => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null).GetHashCode(),
                    value => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, (JsonSerializerOptions?)null), (JsonSerializerOptions?)null)!))
            .HasColumnType("jsonb");
        return property;
    }
}
