using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Tests.Catalog;

public class ManifestDiffTests
{
    private const string Minus = "\u2212";

    private const string Before = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: web
        data:
          mode: blue
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: web
          labels:
            name: not-the-object-name
        spec:
          replicas: 3
          template:
            spec:
              containers:
                - name: nginx
                  image: nginx:1.26.2
        """;

    private static string Lines(int from, int to) => string.Join("\n", Enumerable.Range(from, to - from + 1).Select(i => $"line {i}")) + "\n";

    private static (string Before, string After) Reconstruct(ManifestDiff diff)
    {
        var lines = diff.Hunks.SelectMany(h => h.Lines).ToList();
        return (string.Join("\n", lines.Where(l => l.Kind != DiffLineKind.Added).Select(l => l.Text)),
            string.Join("\n", lines.Where(l => l.Kind != DiffLineKind.Removed).Select(l => l.Text)));
    }

    private static string Render(DiffHunk hunk) =>
        string.Join("\n", hunk.Lines.Select(l => (l.Kind switch { DiffLineKind.Added => "+", DiffLineKind.Removed => "-", _ => " " }) + l.Text));

    [Fact]
    public void Compare_ReportsNoChanges_WhenTextsAreIdentical()
    {
        var diff = ManifestDiff.Compare(Before, Before);

        Assert.True(diff.Identical);
        Assert.Empty(diff.Hunks);
        Assert.Empty(diff.ChangedObjects);
        Assert.Equal("No changes.", diff.Summary);
    }

    [Fact]
    public void Compare_ReportsNoChanges_WhenBothTextsAreEmpty()
    {
        var diff = ManifestDiff.Compare("", null);

        Assert.True(diff.Identical);
        Assert.Empty(diff.Hunks);
    }

    [Fact]
    public void Compare_ShowsEveryLineAdded_WhenBeforeIsEmpty()
    {
        var diff = ManifestDiff.Compare("", Before);

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal("@@ -0,0 +1,22 @@", hunk.Header);
        Assert.All(hunk.Lines, l => Assert.Equal(DiffLineKind.Added, l.Kind));
        Assert.Equal(Enumerable.Range(1, 22).Select(i => (int?)i), hunk.Lines.Select(l => l.NewNumber));
        Assert.Equal($"+22 {Minus}0 across ConfigMap web-config, Deployment web", diff.Summary);
    }

    [Fact]
    public void Compare_ShowsEveryLineRemoved_WhenAfterIsEmpty()
    {
        var diff = ManifestDiff.Compare(Before, "");

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal("@@ -1,22 +0,0 @@", hunk.Header);
        Assert.All(hunk.Lines, l => Assert.Equal(DiffLineKind.Removed, l.Kind));
        Assert.Equal("apiVersion: v1", hunk.Lines[0].Text);
        Assert.Equal($"+0 {Minus}22 across ConfigMap web-config, Deployment web", diff.Summary);
    }

    [Fact]
    public void Compare_ShowsTheChangeWithThreeLinesOfContextAndBothLineNumbers_WhenALineInTheMiddleChanges()
    {
        var diff = ManifestDiff.Compare(Lines(1, 20), Lines(1, 20).Replace("line 10\n", "line ten\n"));

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal("@@ -7,7 +7,7 @@", hunk.Header);
        Assert.Equal(" line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n line 13", Render(hunk));
        Assert.Equal(new DiffLine(DiffLineKind.Removed, 10, null, "line 10"), hunk.Lines[3]);
        Assert.Equal(new DiffLine(DiffLineKind.Added, null, 10, "line ten"), hunk.Lines[4]);
        Assert.Equal(new DiffLine(DiffLineKind.Unchanged, 11, 11, "line 11"), hunk.Lines[5]);
        Assert.Equal($"+1 {Minus}1", diff.Summary);
    }

    [Fact]
    public void Compare_NumbersEachSideOnItsOwn_WhenLinesWereInsertedAbove()
    {
        var diff = ManifestDiff.Compare(Lines(1, 20), "new a\nnew b\n" + Lines(1, 20).Replace("line 15\n", ""));

        Assert.Equal(["@@ -1,3 +1,5 @@", "@@ -12,7 +14,6 @@"], diff.Hunks.Select(h => h.Header));
        Assert.Equal(new DiffLine(DiffLineKind.Removed, 15, null, "line 15"), diff.Hunks[1].Lines.Single(l => l.Kind == DiffLineKind.Removed));
        Assert.Equal(new DiffLine(DiffLineKind.Unchanged, 16, 17, "line 16"), diff.Hunks[1].Lines[4]);
    }

    [Fact]
    public void Compare_KeepsOneHunk_WhenChangesAreSixLinesApart()
    {
        var after = Lines(1, 30).Replace("line 10\n", "X\n").Replace("line 17\n", "Y\n");

        var hunk = Assert.Single(ManifestDiff.Compare(Lines(1, 30), after).Hunks);

        Assert.Equal("@@ -7,14 +7,14 @@", hunk.Header);
    }

    [Fact]
    public void Compare_SplitsHunks_WhenChangesAreSevenLinesApart()
    {
        var after = Lines(1, 30).Replace("line 10\n", "X\n").Replace("line 18\n", "Y\n");

        var diff = ManifestDiff.Compare(Lines(1, 30), after);

        Assert.Equal(["@@ -7,7 +7,7 @@", "@@ -15,7 +15,7 @@"], diff.Hunks.Select(h => h.Header));
    }

    [Fact]
    public void Compare_ReportsNoChanges_WhenOnlyLineEndingsDiffer()
    {
        var diff = ManifestDiff.Compare(Before.Replace("\n", "\r\n"), Before);

        Assert.True(diff.Identical);
        Assert.Empty(diff.Hunks);
    }

    [Fact]
    public void Compare_ReportsNoChanges_WhenOnlyTheFinalNewlineDiffers() =>
        Assert.True(ManifestDiff.Compare(Before, Before + "\n").Identical);

    [Fact]
    public void Compare_ShowsTheChangedLineWithoutCarriageReturns_WhenTextsUseCrlf()
    {
        var diff = ManifestDiff.Compare(Before.Replace("\n", "\r\n"), Before.Replace("nginx:1.26.2", "nginx:1.27.3").Replace("\n", "\r\n"));

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal(
            ["          image: nginx:1.26.2", "          image: nginx:1.27.3"],
            hunk.Lines.Where(l => l.Kind != DiffLineKind.Unchanged).Select(l => l.Text));
    }

    [Fact]
    public void Compare_NamesTheObjectsWhoseLinesChanged_InTheSummary()
    {
        var after = Before.Replace("mode: blue", "mode: green\n  extra: yes").Replace("nginx:1.26.2", "nginx:1.27.3");

        var diff = ManifestDiff.Compare(Before, after);

        Assert.Equal(["ConfigMap web-config", "Deployment web"], diff.ChangedObjects);
        Assert.Equal($"+3 {Minus}2 across ConfigMap web-config, Deployment web", diff.Summary);
    }

    [Fact]
    public void Compare_NamesOnlyTheChangedObject_WhenOneOfSeveralDocumentsChanges()
    {
        var diff = ManifestDiff.Compare(Before, Before.Replace("replicas: 3", "replicas: 4"));

        Assert.Equal($"+1 {Minus}1 across Deployment web", diff.Summary);
    }

    [Fact]
    public void Compare_NamesARemovedObjectByTheOldTextAndAnAddedOneByTheNew_WhenAnObjectIsRenamed()
    {
        var diff = ManifestDiff.Compare(Before, Before.Replace("name: web-config", "name: web-settings"));

        Assert.Equal(["ConfigMap web-config", "ConfigMap web-settings"], diff.ChangedObjects);
    }

    [Fact]
    public void Compare_ProducesAShortestEditThatTurnsBeforeIntoAfter_ForRandomTexts()
    {
        var random = new Random(1234);
        for (var run = 0; run < 400; run++)
        {
            // Few distinct lines, so there are many ways to line the texts up and only the best one is right.
            string RandomText() => string.Join("\n", Enumerable.Range(0, random.Next(0, 25)).Select(_ => "l" + random.Next(0, 4)));
            var before = RandomText();
            var after = RandomText();

            var diff = ManifestDiff.Compare(before, after, context: 1000);

            var (rebuiltBefore, rebuiltAfter) = Reconstruct(diff);
            if (!diff.Identical)
            {
                Assert.Equal(before, rebuiltBefore);
                Assert.Equal(after, rebuiltAfter);
            }
            var a = ManifestDiff.SplitLines(before);
            var b = ManifestDiff.SplitLines(after);
            Assert.Equal(a.Length + b.Length - 2 * LongestCommonSubsequence(a, b), diff.Added + diff.Removed);
        }
    }

    [Fact]
    public void Compare_StillTurnsBeforeIntoAfter_WhenTheSearchRunsOutOfBudget()
    {
        int[] a = [.. Enumerable.Range(0, 200).Select(i => i % 3)];
        int[] b = [.. Enumerable.Range(0, 200).Select(i => (i * 7) % 3)];

        var (removed, added) = LineDiff.Compare(a, b, budget: 50);

        Assert.Equal(a.Where((_, i) => !removed[i]), b.Where((_, j) => !added[j]));
    }

    [Fact]
    public void Compare_FindsEachScatteredChange_WhenManifestsHaveTwentyThousandLines()
    {
        var before = Lines(1, 20_000);
        var after = before;
        for (var i = 100; i <= 20_000; i += 100) after = after.Replace($"line {i}\n", $"line {i} changed\n");

        var diff = ManifestDiff.Compare(before, after);

        Assert.Equal((200, 200, 200), (diff.Added, diff.Removed, diff.Hunks.Count));
    }

    [Fact]
    public void Compare_ShowsEverythingReplaced_WhenLargeManifestsShareNoLine()
    {
        var before = Lines(1, 20_000);
        var after = Lines(20_001, 40_000);

        var diff = ManifestDiff.Compare(before, after);

        Assert.Equal((20_000, 20_000), (diff.Added, diff.Removed));
        Assert.Single(diff.Hunks);
    }

    [Fact]
    public void Compare_Finishes_WhenLargeManifestsRepeatTheSameFewLines()
    {
        var before = string.Join("\n", Enumerable.Range(0, 20_000).Select(i => i % 2 == 0 ? "- a" : "- b"));
        var after = string.Join("\n", Enumerable.Range(0, 20_000).Select(i => i % 3 == 0 ? "- a" : "- b"));

        var diff = ManifestDiff.Compare(before, after, context: 1_000_000);

        var (rebuiltBefore, rebuiltAfter) = Reconstruct(diff);
        Assert.Equal((before, after), (rebuiltBefore, rebuiltAfter));
    }

    private static int LongestCommonSubsequence(string[] a, string[] b)
    {
        var table = new int[a.Length + 1, b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                table[i, j] = a[i - 1] == b[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        return table[a.Length, b.Length];
    }
}
