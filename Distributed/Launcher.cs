// Launcher: which MPI launcher started this process, read from the variables it sets — Open MPI's
// mpiexec sets OMPI_COMM_WORLD_{SIZE,RANK,LOCAL_RANK,LOCAL_SIZE}; MPICH's Hydra (and Intel MPI,
// and Slurm's srun --mpi=pmi2) sets PMI_SIZE / PMI_RANK and MPI_LOCALRANKID / MPI_LOCALNRANKS —
// and so which ABI to load. MOE_MPI_ABI (mpich | openmpi) overrides the ABI, MOE_MPI_LIBRARY the
// library file. No launcher variable: no launch, one process, no MPI library needed.
using MoeFromScratch.Distributed.Mpi;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Distributed;

/// <summary>What the launcher told this process: its name, the world it promised, our place in it, the ABI to load.</summary>
public sealed record Launch(string Launcher, int Size, int Rank, int LocalRank, int LocalSize, MpiFlavor Flavor, string? LibraryOverride)
{
    public const string AbiVariable = "MOE_MPI_ABI", LibraryVariable = "MOE_MPI_LIBRARY";

    /// <summary>The launch described by the environment, or null when no MPI launcher started us.</summary>
    public static Launch? Detect() => Detect(Environment.GetEnvironmentVariable);

    public static Launch? Detect(Func<string, string?> variable)
    {
        string? env(string name) => variable(name) is { Length: > 0 } value ? value : null;   // set but empty: not set
        Launch? launch = null;
        if (env("OMPI_COMM_WORLD_SIZE") is { } ompiSize)
            launch = new("Open MPI's mpiexec", Number(env, "OMPI_COMM_WORLD_SIZE", ompiSize), Number(env, "OMPI_COMM_WORLD_RANK"),
                Number(env, "OMPI_COMM_WORLD_LOCAL_RANK"), Number(env, "OMPI_COMM_WORLD_LOCAL_SIZE"), MpiFlavor.OpenMpi, null);
        else if (env("PMI_SIZE") is { } pmiSize)
            launch = new("a PMI launcher (MPICH's Hydra, Intel MPI, srun)", Number(env, "PMI_SIZE", pmiSize), Number(env, "PMI_RANK"),
                env("MPI_LOCALRANKID") is null ? 0 : Number(env, "MPI_LOCALRANKID"),
                env("MPI_LOCALNRANKS") is null ? 1 : Number(env, "MPI_LOCALNRANKS"), MpiFlavor.MpichAbi, null);
        if (launch is null) return null;
        var flavor = env(AbiVariable) switch
        {
            null or "" => launch.Flavor,
            "mpich" => MpiFlavor.MpichAbi,
            "openmpi" => MpiFlavor.OpenMpi,
            var other => throw new WorldSetupException($"{AbiVariable}={other}: expected mpich (MPICH, Intel MPI, MVAPICH, Cray) or openmpi", prints: launch.Rank == 0),
        };
        return launch with { Flavor = flavor, LibraryOverride = env(LibraryVariable) is { Length: > 0 } path ? path : null };
    }

    private static int Number(Func<string, string?> env, string name, string? value = null)
    {
        value ??= env(name);
        if (!int.TryParse(value, out int n) || n < 0)
            throw new UsageException($"the launcher's {name}={value}: expected a non-negative integer");
        return n;
    }
}
