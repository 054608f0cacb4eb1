using System.Text.Json;
using System.Text.Json.Serialization;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// The API reads JSON strictly: a field the portal does not know, a field given twice, or a NUL character is refused
/// with 400 rather than ignored, so a typo ("tiers" for "tier") never silently changes nothing.
/// </summary>
public static class StrictJson
{
    /// <summary>Marks the JsonException a NUL raises, so the error message can say so in words.</summary>
    internal const string NulMarker = "portal:nul-character";

    public static void Apply(JsonSerializerOptions options)
    {
        options.AllowDuplicateProperties = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // Enum values by name only: a number would store a value no one can name.
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        options.Converters.Add(new NulRefusingStringConverter());
    }

    /// <summary>PostgreSQL cannot store U+0000 in text; refusing it here names the field instead of failing on save.</summary>
    private sealed class NulRefusingStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? Checked(reader.GetString()!)
            : throw new JsonException(); // the serializer adds the path; the handler says a string was expected

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString()!);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private static string Checked(string value) => value.Contains('\0') ? throw new JsonException(NulMarker) : value;
    }
}
