namespace AsiOpsPortal.Core.Catalog;

/// <summary>
/// Myers' O((N+M)·D) difference algorithm in linear space (divide and conquer on the middle snake), over lines
/// reduced to integers. It marks which lines of <c>a</c> are removed and which lines of <c>b</c> are added; every
/// other line is part of a longest common subsequence.
/// </summary>
internal sealed class LineDiff
{
    /// <summary>
    /// Work (diagonal steps) allowed before the rest is reported as "all removed, all added". Ordinary manifests need a
    /// tiny fraction of it; it keeps a hostile pair of near-megabyte uploads from holding a CPU for minutes.
    /// </summary>
    internal const long DefaultBudget = 200_000_000;

    private readonly int[] _a;
    private readonly int[] _b;
    private readonly bool[] _removed;
    private readonly bool[] _added;
    private long _budget;

    private LineDiff(int[] a, int[] b, bool[] removed, bool[] added, long budget)
    {
        (_a, _b, _removed, _added, _budget) = (a, b, removed, added, budget);
    }

    /// <summary>Which lines of <paramref name="a"/> are removed and which of <paramref name="b"/> are added.</summary>
    public static (bool[] Removed, bool[] Added) Compare(int[] a, int[] b, long budget = DefaultBudget)
    {
        var removed = new bool[a.Length];
        var added = new bool[b.Length];

        // A line that does not occur on the other side cannot be in common; leaving such lines out first keeps two
        // unrelated texts linear instead of quadratic, and does not change which lines the longest common subsequence has.
        var inA = a.ToHashSet();
        var inB = b.ToHashSet();
        var keptA = Enumerable.Range(0, a.Length).Where(i => inB.Contains(a[i])).ToArray();
        var keptB = Enumerable.Range(0, b.Length).Where(j => inA.Contains(b[j])).ToArray();
        for (var i = 0; i < a.Length; i++) removed[i] = !inB.Contains(a[i]);
        for (var j = 0; j < b.Length; j++) added[j] = !inA.Contains(b[j]);

        var ra = keptA.Select(i => a[i]).ToArray();
        var rb = keptB.Select(j => b[j]).ToArray();
        var reducedRemoved = new bool[ra.Length];
        var reducedAdded = new bool[rb.Length];
        new LineDiff(ra, rb, reducedRemoved, reducedAdded, budget).Diff(0, ra.Length, 0, rb.Length);
        for (var k = 0; k < keptA.Length; k++) removed[keptA[k]] = reducedRemoved[k];
        for (var k = 0; k < keptB.Length; k++) added[keptB[k]] = reducedAdded[k];
        return (removed, added);
    }

    private void Diff(int aLo, int aHi, int bLo, int bHi)
    {
        while (aLo < aHi && bLo < bHi && _a[aLo] == _b[bLo]) { aLo++; bLo++; }
        while (aLo < aHi && bLo < bHi && _a[aHi - 1] == _b[bHi - 1]) { aHi--; bHi--; }
        if (aLo == aHi || bLo == bHi || _budget <= 0)
        {
            MarkChanged(aLo, aHi, bLo, bHi);
            return;
        }
        if (MiddleSnake(aLo, aHi, bLo, bHi) is not var (x, y)
            || (x == aLo && y == bLo) || (x == aHi && y == bHi))
        {
            MarkChanged(aLo, aHi, bLo, bHi);
            return;
        }
        Diff(aLo, x, bLo, y);
        Diff(x, aHi, y, bHi);
    }

    private void MarkChanged(int aLo, int aHi, int bLo, int bHi)
    {
        for (var i = aLo; i < aHi; i++) _removed[i] = true;
        for (var j = bLo; j < bHi; j++) _added[j] = true;
    }

    /// <summary>
    /// Runs the forward and the reverse search at once until their paths overlap, and returns where to split so each
    /// half needs about half the edits. Null when the work budget runs out first.
    /// </summary>
    private (int X, int Y)? MiddleSnake(int aLo, int aHi, int bLo, int bHi)
    {
        var n = aHi - aLo;
        var m = bHi - bLo;
        var maxD = (n + m + 1) / 2;
        var offset = maxD;
        var length = 2 * maxD + 2;
        var forward = new int[length];
        var reverse = new int[length];
        Array.Fill(forward, -1);
        Array.Fill(reverse, -1);
        forward[offset + 1] = 0;
        reverse[offset + 1] = 0;
        var delta = n - m;
        // With an odd delta the forward path is the one that meets the reverse one; with an even delta, the reverse.
        var forwardChecks = delta % 2 != 0;
        int kStart1 = 0, kEnd1 = 0, kStart2 = 0, kEnd2 = 0;

        for (var d = 0; d < maxD; d++)
        {
            _budget -= 2 * d + 2;
            if (_budget <= 0) return null;

            for (var k1 = -d + kStart1; k1 <= d - kEnd1; k1 += 2)
            {
                var k1Index = offset + k1;
                var x1 = k1 == -d || (k1 != d && forward[k1Index - 1] < forward[k1Index + 1])
                    ? forward[k1Index + 1]
                    : forward[k1Index - 1] + 1;
                var y1 = x1 - k1;
                while (x1 < n && y1 < m && _a[aLo + x1] == _b[bLo + y1]) { x1++; y1++; _budget--; }
                forward[k1Index] = x1;
                if (x1 > n) kEnd1 += 2;          // ran off the right edge
                else if (y1 > m) kStart1 += 2;   // ran off the bottom edge
                else if (forwardChecks)
                {
                    var k2Index = offset + delta - k1;
                    if (k2Index >= 0 && k2Index < length && reverse[k2Index] != -1 && x1 >= n - reverse[k2Index])
                        return (aLo + x1, bLo + y1);
                }
            }

            for (var k2 = -d + kStart2; k2 <= d - kEnd2; k2 += 2)
            {
                var k2Index = offset + k2;
                var x2 = k2 == -d || (k2 != d && reverse[k2Index - 1] < reverse[k2Index + 1])
                    ? reverse[k2Index + 1]
                    : reverse[k2Index - 1] + 1;
                var y2 = x2 - k2;
                while (x2 < n && y2 < m && _a[aHi - x2 - 1] == _b[bHi - y2 - 1]) { x2++; y2++; _budget--; }
                reverse[k2Index] = x2;
                if (x2 > n) kEnd2 += 2;
                else if (y2 > m) kStart2 += 2;
                else if (!forwardChecks)
                {
                    var k1Index = offset + delta - k2;
                    if (k1Index >= 0 && k1Index < length && forward[k1Index] != -1)
                    {
                        var x1 = forward[k1Index];
                        var y1 = x1 - (k1Index - offset);
                        if (x1 >= n - x2) return (aLo + x1, bLo + y1);
                    }
                }
            }
        }
        return null;
    }
}
