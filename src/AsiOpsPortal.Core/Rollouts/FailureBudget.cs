using System.Globalization;

namespace AsiOpsPortal.Core.Rollouts;

/// <summary>How many failed clusters a wave tolerates: a count ("2") or a share of the wave ("10%", rounded down).</summary>
public sealed record FailureBudget(int? Count, int? Percent)
{
    public static readonly FailureBudget None = new(0, null);

    public static bool TryParse(string? text, out FailureBudget budget, out string? error)
    {
        budget = None;
        error = null;
        var value = (text ?? "").Trim();
        if (value.Length == 0) return true;
        if (value.EndsWith('%'))
        {
            if (int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) && percent <= 100)
            {
                budget = new FailureBudget(null, percent);
                return true;
            }
            error = $"maxFailures '{text}' is not a percentage from 0% to 100%.";
            return false;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            budget = new FailureBudget(count, null);
            return true;
        }
        error = $"maxFailures '{text}' must be a whole number of clusters (e.g. 2) or a percentage (e.g. 10%).";
        return false;
    }

    public static FailureBudget Parse(string? text) =>
        TryParse(text, out var budget, out var error) ? budget : throw new FormatException(error);

    /// <summary>The most failures a wave of <paramref name="waveSize"/> clusters may have; a canary wave allows none.</summary>
    public int Allowed(int waveSize, bool canary) =>
        canary ? 0 : Count ?? (int)Math.Floor(waveSize * (Percent ?? 0) / 100.0);

    public bool IsExceeded(int failed, int waveSize, bool canary) => failed > Allowed(waveSize, canary);

    public override string ToString() => Percent is { } p ? $"{p}%" : (Count ?? 0).ToString(CultureInfo.InvariantCulture);
}
