using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// `-- SCENARIO` runs one scenario at full size, no argument lists them, `--smoke` runs each at a tiny size (a check
/// that they still run, not a measurement). Figures go to stdout, one per line; everything else goes to stderr.
/// </summary>
public static class BenchmarkRunner
{
    private static readonly IReadOnlyList<IScenario> Scenarios = [new ClusterListScenario(), new InventorySyncScenario(), RolloutScenario.Overhead, RolloutScenario.Thousand, new ConcurrentRolloutsScenario(), new SchedulerScenario(), new FreezeEvalScenario(), new DefenderAdmissionScenario()];

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.WriteLine("Scenarios (dotnet run -c Release --project tests/AsiOpsPortal.Benchmarks -- SCENARIO | --smoke):");
            foreach (var scenario in Scenarios) Console.WriteLine($"  {scenario.Name,-20} {scenario.Description}");
            return 0;
        }

        var smoke = args is ["--smoke"];
        var selected = smoke ? Scenarios : Scenarios.Where(s => s.Name == args[0]).ToList();
        if (selected.Count == 0)
        {
            Console.Error.WriteLine($"Unknown scenario '{args[0]}'. Run without arguments to list them.");
            return 2;
        }
        if (Environment.GetEnvironmentVariable(TestPostgres.Variable) is not { Length: > 0 })
        {
            Console.Error.WriteLine($"{TestPostgres.Variable} is not set: the benchmarks need a PostgreSQL server they may create databases on, " +
                $"e.g. {TestPostgres.Variable}=\"Host=127.0.0.1;Port=5432;Username=postgres\" (scripts/test.sh starts one).");
            return 2;
        }

        // Stdout carries figures only: the hosts' console loggers write through Console.Out, so send that to stderr.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        // WebApplicationFactory finds the portal's content root through MvcTestingAppManifest.json in the current
        // directory; `dotnet run --project` leaves us wherever it was called from.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        foreach (var scenario in selected)
        {
            try
            {
                await scenario.RunAsync(smoke ? Scale.Smoke : Scale.Full, new Figures(smoke ? $"{scenario.Name}/smoke" : scenario.Name, stdout));
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{scenario.Name} failed: {e}");
                return 1;
            }
        }
        return 0;
    }
}
