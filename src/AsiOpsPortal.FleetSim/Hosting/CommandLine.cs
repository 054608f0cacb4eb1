using System.Globalization;

namespace AsiOpsPortal.FleetSim.Hosting;

/// <summary>Maps --port, --seed, --fleet, --clusters, --nodes, --convergence-ms and --kubeconfig-dir onto FleetSimOptions.</summary>
internal static class CommandLine
{
    public static FleetSimOptions Parse(string[] args)
    {
        var options = new FleetSimOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            options = flag switch
            {
                "--port" => options with { Port = Number() },
                "--seed" => options with { Seed = Number() },
                "--fleet" => options with { Fleet = Value() },
                "--clusters" => options with { LightClusters = Number() },
                "--nodes" => options with { LightNodesPerCluster = Number() },
                "--convergence-ms" => options with { ConvergenceDelay = TimeSpan.FromMilliseconds(Number()) },
                "--kubeconfig-dir" => options with { KubeconfigDirectory = Value() },
                _ => throw new ArgumentException(
                    $"Unknown option '{flag}'. Options: --port N --seed N --fleet demo|light|empty --clusters N --nodes N --convergence-ms N --kubeconfig-dir DIR"),
            };
        }
        return options;
    }
}
