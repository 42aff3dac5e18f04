// MpiLaunch: `moe` under a real MPI launcher, the way a user starts P ranks — MPICH's Hydra
// (mpiexec.mpich) or Open MPI's (mpiexec.openmpi, with --oversubscribe so 4 ranks run on 2 cores,
// and the variables it needs to run as root in CI). Every launch has two timeouts: the launcher's own
// (MPIEXEC_TIMEOUT / --timeout, which kills all ranks) and the test process's (MoeProcess), so a
// hung collective fails the test instead of the suite. MPICH busy-polls when ranks outnumber
// cores, so tests run more than 2 ranks under Open MPI only.
// SkipReason: why the MPI tests cannot run here (no launcher installed); on CI (CI=true) a missing
// launcher fails instead, because .ci/run installs both.
using MoeFromScratch.PropertyTests.Reliability;

namespace MoeFromScratch.PropertyTests.Distributed;

internal static class MpiLaunch
{
    public const string Mpich = "mpich", OpenMpi = "openmpi";
    public const int LauncherTimeoutSeconds = 120;   // hang guards, not timings
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(LauncherTimeoutSeconds + 30);

    public static string? SkipReason
    {
        get
        {
            var missing = new[] { Mpich, OpenMpi }.Where(m => !File.Exists($"/usr/bin/mpiexec.{m}")).ToList();
            if (missing.Count == 0) return null;
            string reason = $"no {string.Join(" or ", missing.Select(m => $"mpiexec.{m}"))} (apt-get install mpich openmpi-bin)";
            if (System.Environment.GetEnvironmentVariable("CI") == "true") throw new InvalidOperationException($"CI: {reason}");
            return reason;
        }
    }

    /// <summary>The launcher's words before `dotnet moe.dll`.</summary>
    public static string[] Launcher(string mpi, int ranks) => mpi == Mpich
        ? ["mpiexec.mpich", "-n", $"{ranks}"]
        : ["mpiexec.openmpi", "--oversubscribe", "--timeout", $"{LauncherTimeoutSeconds}", "-n", $"{ranks}"];

    public static Dictionary<string, string> LaunchEnvironment(string mpi, IReadOnlyDictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string>
        {
            ["MPIEXEC_TIMEOUT"] = $"{LauncherTimeoutSeconds}",   // Hydra's
            ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
            ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
            ["OMPI_MCA_rmaps_base_oversubscribe"] = "1",
            ["TERM"] = "dumb",                                // Open MPI's pty would make .NET's Console write escape codes
        };
        foreach (var (k, v) in more ?? new Dictionary<string, string>()) env[k] = v;
        return env;
    }

    /// <summary>Runs `mpiexec -n ranks moe args` to the end.</summary>
    public static MoeProcess.Exit Run(string mpi, int ranks, string args, IReadOnlyDictionary<string, string>? environment = null) =>
        MoeProcess.Run(args, LaunchEnvironment(mpi, environment), timeout: ProcessTimeout, launcher: Launcher(mpi, ranks));

    /// <summary>Starts `mpiexec -n ranks moe args` and returns at once.</summary>
    public static MoeProcess Start(string mpi, int ranks, string args, IReadOnlyDictionary<string, string>? environment = null) =>
        MoeProcess.Start(args, LaunchEnvironment(mpi, environment), launcher: Launcher(mpi, ranks));
}

/// <summary>A fact that needs both MPI launchers.</summary>
public sealed class MpiFactAttribute() : FactSkippedWithReasonAttribute(MpiLaunch.SkipReason);

/// <summary>A theory that needs both MPI launchers.</summary>
public sealed class MpiTheoryAttribute() : TheorySkippedWithReasonAttribute(MpiLaunch.SkipReason);
