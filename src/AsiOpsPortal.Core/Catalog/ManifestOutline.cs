using System.Text.RegularExpressions;

namespace AsiOpsPortal.Core.Catalog;

/// <summary>
/// Which object ("Deployment web") each line of a manifest text belongs to, read leniently from the text alone: a diff
/// is worth naming its objects even when one side no longer parses.
/// </summary>
internal static partial class ManifestOutline
{
    [GeneratedRegex(@"^kind:\s*(?<value>\S.*)$")]
    private static partial Regex KindLine();

    [GeneratedRegex(@"^metadata:\s*(#.*)?$")]
    private static partial Regex MetadataBlock();

    [GeneratedRegex(@"^metadata:\s*\{.*?\bname:\s*(?<value>[^,}]+)")]
    private static partial Regex MetadataFlow();

    [GeneratedRegex(@"^name:\s*(?<value>\S.*)$")]
    private static partial Regex NameField();

    /// <summary>One label per line (null where no object can be named); a "---" line belongs to the document it opens.</summary>
    public static string?[] LabelLines(IReadOnlyList<string> lines)
    {
        var labels = new string?[lines.Count];
        var start = 0;
        for (var i = 0; i <= lines.Count; i++)
        {
            if (i < lines.Count && (i == start || !IsDocumentStart(lines[i]))) continue;
            var label = LabelOf(lines, start, i);
            for (var k = start; k < i; k++) labels[k] = label;
            start = i;
        }
        return labels;
    }

    private static bool IsDocumentStart(string line) =>
        line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || char.IsWhiteSpace(line[3]));

    private static string? LabelOf(IReadOnlyList<string> lines, int from, int to)
    {
        string? kind = null, name = null;
        for (var i = from; i < to; i++)
        {
            var line = lines[i];
            if (kind is null && KindLine().Match(line) is { Success: true } k) kind = Clean(k.Groups["value"].Value);
            if (name is null && MetadataFlow().Match(line) is { Success: true } flow) name = Clean(flow.Groups["value"].Value);
            if (name is null && MetadataBlock().IsMatch(line)) name = NameUnderMetadata(lines, i + 1, to);
        }
        return (kind, name) switch
        {
            ({ Length: > 0 }, { Length: > 0 }) => $"{kind} {name}",
            ({ Length: > 0 }, _) => kind,
            _ => null,
        };
    }

    /// <summary>The <c>name:</c> directly under <c>metadata:</c> (not a label's or an annotation's).</summary>
    private static string? NameUnderMetadata(IReadOnlyList<string> lines, int from, int to)
    {
        var childIndent = -1;
        for (var i = from; i < to; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart(' ');
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            var indent = line.Length - trimmed.Length;
            if (indent == 0) return null;
            if (childIndent < 0) childIndent = indent;
            if (indent == childIndent && NameField().Match(trimmed) is { Success: true } match) return Clean(match.Groups["value"].Value);
        }
        return null;
    }

    private static string Clean(string value)
    {
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        if (comment >= 0) value = value[..comment];
        return value.Trim().Trim('"', '\'');
    }
}
