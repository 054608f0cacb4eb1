namespace AsiOpsPortal.Benchmarks;

public enum Scale { Full, Smoke }

public interface IScenario
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(Scale scale, Figures figures);
}

/// <summary>Prints `SCENARIO FIGURE VALUE UNIT (goal GOAL)`, the line format runs are compared by.</summary>
public sealed class Figures(string scenario, TextWriter output)
{
    public const string NoGoal = "none";

    public void Add(string figure, double value, string unit, string goal = NoGoal) =>
        output.WriteLine(FormattableString.Invariant($"{scenario} {figure} {Round(value)} {unit} (goal {goal})"));

    /// <summary>Progress for people watching; stderr keeps stdout to figures only.</summary>
    public static void Note(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private static double Round(double value) => Math.Abs(value) >= 100 ? Math.Round(value) : Math.Round(value, value >= 10 ? 1 : 2);
}
