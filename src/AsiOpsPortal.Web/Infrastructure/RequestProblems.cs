using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// Turns what ASP.NET Core and System.Text.Json say about an unreadable request into words for the person who sent it:
/// the field by its JSON path or the parameter by its name, and what was expected — never a .NET type name.
/// </summary>
public static partial class RequestProblems
{
    /// <summary>What is wrong with a request the framework could not bind, one sentence per problem.</summary>
    public static string Describe(BadHttpRequestException exception, HttpContext context)
    {
        if (exception.InnerException is JsonException json) return DescribeJson(json, BodyType(context));
        var message = exception.Message;
        if (BindFailure().Match(message) is { Success: true } bind)
            return $"Parameter '{bind.Groups["name"].Value}' must be {Expected(bind.Groups["type"].Value)}; '{Shorten(bind.Groups["value"].Value)}' is not.";
        if (message.Contains("no body was provided", StringComparison.Ordinal) || BodyMissing().IsMatch(message))
            return "A JSON body is required.";
        if (RequiredMissing().Match(message) is { Success: true } missing)
            return $"Parameter '{missing.Groups["name"].Value}' is required.";
        if (message.StartsWith("Expected a supported JSON media type", StringComparison.Ordinal))
            return $"Send the body as application/json (got '{Shorten(context.Request.ContentType ?? "none")}').";
        if (message.Contains("form", StringComparison.OrdinalIgnoreCase))
            return "The form could not be read; send it as application/x-www-form-urlencoded.";
        return "The request could not be read.";
    }

    /// <summary>A JSON body System.Text.Json refused: unknown or duplicate field, wrong type, NUL, or not JSON at all.</summary>
    public static string DescribeJson(JsonException json, Type? bodyType)
    {
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        var message = json.Message;
        if (message.StartsWith(StrictJson.NulMarker, StringComparison.Ordinal))
            return $"Field {path} contains a NUL character (U+0000), which cannot be stored; remove it.";
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return $"Unknown field {path}: the portal does not read it. Check its spelling, or leave it out.";
        if (message.StartsWith("Duplicate propert", StringComparison.Ordinal))
            return $"Field {path} is given more than once; give each field once.";
        if (MissingRequired().Match(message) is { Success: true } missing)
            return $"Missing required field(s): {missing.Groups["names"].Value}.";
        if (json.InnerException?.GetType().Name == "JsonReaderException")
        {
            return message.Contains("does not contain any JSON tokens", StringComparison.Ordinal)
                ? "The body is empty; send a JSON object."
                : $"The body is not valid JSON (line {json.LineNumber + 1 ?? 1}, byte {json.BytePositionInLine + 1 ?? 1}).";
        }
        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
            return $"The body is nested too deeply at {path}.";
        var target = bodyType is null ? null : TypeAt(bodyType, path);
        return target is null
            ? $"Field {path} has a value of the wrong type or out of range."
            : $"Field {path} must be {Expected(target)}.";
    }

    /// <summary>The last resort before a message leaves the portal: no .NET or portal type names.</summary>
    public static string WithoutTypeNames(string text) => TypeName().Replace(text, "a value");

    private static Type? BodyType(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;

    /// <summary>Walks a JSON path like <c>$.runThrough.windows[1]</c> through the body's type to the type expected there.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (Match step in PathStep().Matches(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (step.Groups["index"].Success)
            {
                type = ElementType(type);
            }
            else
            {
                var name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
                if (DictionaryValueType(type) is { } valueType) { type = valueType; continue; }
                var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                type = property?.PropertyType;
            }
            if (type is null) return null;
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            || i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))?.GetGenericArguments()[1];

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return $"one of: {string.Join(", ", Enum.GetNames(type))}";
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int)) return $"a whole number from {int.MinValue} to {int.MaxValue}";
        if (type == typeof(long)) return "a whole number";
        if (type == typeof(uint)) return $"a whole number from 0 to {uint.MaxValue}";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(Guid)) return "an id like 3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return "a date and time like 2026-05-01T09:30:00Z";
        if (type == typeof(DateOnly)) return "a date like 2026-05-01";
        if (type == typeof(TimeOnly)) return "a time of day like 09:30";
        if (type == typeof(TimeSpan)) return "a duration like 00:30:00";
        if (DictionaryValueType(type) is { } value) return $"an object whose values are each {Expected(value)}";
        if (typeof(IEnumerable).IsAssignableFrom(type) && ElementType(type) is { } element) return $"an array of which each item is {Expected(element)}";
        return "an object";
    }

    /// <summary>The C# spelling ASP.NET Core uses in its own messages ("int?", "Guid"), in words.</summary>
    private static string Expected(string csharpType) => csharpType.TrimEnd('?') switch
    {
        "int" or "Int32" => $"a whole number from {int.MinValue} to {int.MaxValue}",
        "long" or "Int64" => "a whole number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "an id like 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "DateTimeOffset" or "DateTime" => "a date and time like 2026-05-01T09:30:00Z",
        "double" or "decimal" or "float" => "a number",
        var other => AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name?.StartsWith("AsiOpsPortal", StringComparison.Ordinal) == true)
            .SelectMany(a => a.GetExportedTypes()).FirstOrDefault(t => t.IsEnum && t.Name == other) is { } e
            ? Expected(e)
            : "a valid value",
    };

    private static string Shorten(string value) => WithoutTypeNames(value.Length <= 60 ? value : value[..60] + "…").Replace("\0", "\\0");

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[\w.<>?\[\]]+) (?<name>\w+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "[\w.<>?\[\]]+ (?<name>\w+)" was not provided""")]
    private static partial Regex RequiredMissing();

    [GeneratedRegex("""^Required parameter "[^"]*" was not provided from body""")]
    private static partial Regex BodyMissing();

    [GeneratedRegex("missing required properties including: (?<names>.*?)\\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"\.(?<name>[^.\[\]']+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();

    [GeneratedRegex(@"'?\b(?:System|Microsoft|AsiOpsPortal|YamlDotNet|Npgsql)(?:\.[\w`]+)+(?:\[[^\]]*\])?'?")]
    private static partial Regex TypeName();
}
