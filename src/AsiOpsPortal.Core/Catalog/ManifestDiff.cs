namespace AsiOpsPortal.Core.Catalog;

public enum DiffLineKind { Unchanged, Added, Removed }

/// <summary>One line of a diff with its 1-based number on each side it exists on.</summary>
public sealed record DiffLine(DiffLineKind Kind, int? OldNumber, int? NewNumber, string Text);

/// <summary>A run of changes with their context, as in a unified diff. A side with no lines starts at the line before.</summary>
public sealed record DiffHunk(int OldStart, int OldCount, int NewStart, int NewCount, IReadOnlyList<DiffLine> Lines)
{
    public string Header => $"@@ -{OldStart},{OldCount} +{NewStart},{NewCount} @@";
}

/// <summary>
/// The line differences between two manifest texts: hunks with context, counts, and the objects the changed lines
/// belong to ("Deployment web"). Line endings (CRLF or LF) and a missing final newline are not differences.
/// </summary>
public sealed record ManifestDiff(IReadOnlyList<DiffHunk> Hunks, int Added, int Removed, IReadOnlyList<string> ChangedObjects)
{
    public const int DefaultContext = 3;

    public bool Identical => Added == 0 && Removed == 0;

    /// <summary>"+12 −3 across Deployment web, ConfigMap web-config", or "No changes."</summary>
    public string Summary => Identical ? "No changes."
        : $"+{Added} \u2212{Removed}" + (ChangedObjects.Count == 0 ? "" : " across " + string.Join(", ", ChangedObjects));

    public static ManifestDiff Compare(string? before, string? after, int context = DefaultContext)
    {
        var oldLines = SplitLines(before);
        var newLines = SplitLines(after);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int IdOf(string line) => ids.TryGetValue(line, out var id) ? id : ids[line] = ids.Count;
        var (removed, added) = LineDiff.Compare(oldLines.Select(IdOf).ToArray(), newLines.Select(IdOf).ToArray());

        var script = Script(oldLines, newLines, removed, added);
        var hunks = GroupIntoHunks(script, Math.Clamp(context, 0, 1_000_000));
        var changedObjects = ObjectsTouched(script, ManifestOutline.LabelLines(oldLines), ManifestOutline.LabelLines(newLines));
        return new ManifestDiff(hunks, added.Count(a => a), removed.Count(r => r), changedObjects);
    }

    internal static string[] SplitLines(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        // "a\nb\n" is two lines, not three: the final newline ends the last line.
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>Every line of both texts in order; within a change, removed lines come before the added ones.</summary>
    private static List<DiffLine> Script(string[] oldLines, string[] newLines, bool[] removed, bool[] added)
    {
        var script = new List<DiffLine>(Math.Max(oldLines.Length, newLines.Length));
        int i = 0, j = 0;
        while (i < oldLines.Length || j < newLines.Length)
        {
            if (i < oldLines.Length && removed[i]) { script.Add(new(DiffLineKind.Removed, i + 1, null, oldLines[i])); i++; }
            else if (j < newLines.Length && added[j]) { script.Add(new(DiffLineKind.Added, null, j + 1, newLines[j])); j++; }
            else { script.Add(new(DiffLineKind.Unchanged, i + 1, j + 1, newLines[j])); i++; j++; }
        }
        return script;
    }

    private static List<DiffHunk> GroupIntoHunks(List<DiffLine> script, int context)
    {
        var changes = Enumerable.Range(0, script.Count).Where(i => script[i].Kind != DiffLineKind.Unchanged).ToList();
        var hunks = new List<DiffHunk>();
        var c = 0;
        while (c < changes.Count)
        {
            var first = changes[c];
            var last = first;
            // Changes closer than twice the context share a hunk, as their contexts would overlap or touch.
            while (c + 1 < changes.Count && (long)changes[c + 1] - last - 1 <= 2L * context) last = changes[++c];
            c++;
            var start = (int)Math.Max(0, first - (long)context);
            var end = (int)Math.Min(script.Count - 1, last + (long)context);
            var lines = script.GetRange(start, end - start + 1);
            var oldCount = lines.Count(l => l.OldNumber is not null);
            var newCount = lines.Count(l => l.NewNumber is not null);
            hunks.Add(new DiffHunk(StartOf(script, start, l => l.OldNumber, oldCount), oldCount,
                StartOf(script, start, l => l.NewNumber, newCount), newCount, lines));
        }
        return hunks;
    }

    /// <summary>The first line number of a side in the hunk, or the number of the line before it when the side has none.</summary>
    private static int StartOf(List<DiffLine> script, int start, Func<DiffLine, int?> number, int count)
    {
        if (count > 0) return script.Skip(start).Select(number).First(n => n is not null)!.Value;
        for (var i = start - 1; i >= 0; i--)
            if (number(script[i]) is { } before) return before;
        return 0;
    }

    /// <summary>The objects changed lines belong to, in order of first change: removed lines by the old text, added by the new.</summary>
    private static List<string> ObjectsTouched(List<DiffLine> script, string?[] oldLabels, string?[] newLabels) =>
        script.Select(l => l.Kind switch
            {
                DiffLineKind.Removed => oldLabels[l.OldNumber!.Value - 1],
                DiffLineKind.Added => newLabels[l.NewNumber!.Value - 1],
                _ => null,
            })
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
