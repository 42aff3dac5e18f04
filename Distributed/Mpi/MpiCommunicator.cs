// MpiCommunicator: ICommunicator over MPI_COMM_WORLD. Open loads the launcher's ABI (MpiAbi),
// initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls it; the CPU worker threads never
// do), sets errors to return (a failed call throws MpiException naming it instead of killing the
// job silently) and checks the world against the launcher: a launcher and a library of different
// MPIs do not fail but give P worlds of one process each, which is stopped here with one line.
// Counts are MPI ints: one call moves at most 2^31 - 1 elements (Open MPI 4 has no large-count calls).
using System.Runtime.InteropServices;
using System.Text;

namespace MoeFromScratch.Distributed.Mpi;

public sealed unsafe partial class MpiCommunicator : ICommunicator
{
    private readonly MpiAbi _mpi;
    private bool _finalized;

    private MpiCommunicator(MpiAbi mpi, Launch launch, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
        LocalRank = launch.LocalRank;
        LocalSize = Math.Max(1, launch.LocalSize);
        Version = VersionLine();
        Library = $"{Version} ({Path.GetFileName(mpi.LibraryPath)}, started by {launch.Launcher})";
    }

    public int Rank { get; }
    public int Size { get; }
    public int LocalRank { get; }
    public int LocalSize { get; }
    public string Library { get; }

    /// <summary>The first line of MPI_Get_library_version: "MPICH Version: 4.0.2", "Open MPI v4.1.4".</summary>
    public string Version { get; }

    public static MpiCommunicator Open(Launch launch)
    {
        // MPICH's UCX layer installs a SIGSEGV handler that turns .NET's null-reference handling into
        // a fatal error; an empty UCX_ERROR_SIGNALS keeps it out. Native code reads the C environment,
        // which only libc's setenv changes.
        if (launch.Flavor == MpiFlavor.MpichAbi && Environment.GetEnvironmentVariable("UCX_ERROR_SIGNALS") is null)
            SetEnv("UCX_ERROR_SIGNALS", "", 1);
        var mpi = LoadLibrary(launch);
        int initialized, provided, rank, size;
        Check(mpi, mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0) Check(mpi, mpi.InitThread(null, null, MpiAbi.ThreadFunneled, &provided), "MPI_Init_thread");
        Check(mpi, mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        Check(mpi, mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi, mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        var world = new MpiCommunicator(mpi, launch, rank, size);
        if (size != launch.Size)
        {
            world.Dispose();   // every process is alone in its own world: finalising cannot hang
            throw new WorldSetupException(
                $"started by {launch.Launcher} as rank {launch.Rank} of {launch.Size}, but the MPI library {mpi.LibraryPath} ({world.Version}) " +
                $"sees a world of {size}: the launcher and the library are different MPIs; use the mpiexec of that library " +
                $"(mpiexec.{(mpi.Flavor == MpiFlavor.MpichAbi ? "mpich" : "openmpi")} on Debian) or set {Launch.AbiVariable} / {Launch.LibraryVariable}",
                prints: launch.Rank == 0);
        }
        return world;
    }

    private static MpiAbi LoadLibrary(Launch launch)
    {
        string[] candidates = launch.LibraryOverride is { } path ? [path] : MpiAbi.Candidates(launch.Flavor);
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, out nint handle))
                return MpiAbi.Load(launch.Flavor, name, handle);
        throw new WorldSetupException(
            $"started by {launch.Launcher} ({launch.Size} ranks), but no {(launch.Flavor == MpiFlavor.MpichAbi ? "MPICH-ABI" : "Open MPI")} library " +
            $"loads (tried {string.Join(", ", candidates)}): install it (Debian: {(launch.Flavor == MpiFlavor.MpichAbi ? "mpich" : "openmpi-bin")}) " +
            $"or name it with {Launch.LibraryVariable}=/path/to/libmpi.so.N", prints: launch.Rank == 0);
    }

    public void AllReduce<T>(Span<T> values, AllReduceOp op) where T : unmanaged
    {
        nint type = Type<T>();
        fixed (T* p = values)
            Check(_mpi, _mpi.Allreduce(_mpi.InPlace, p, values.Length, type, op == AllReduceOp.Sum ? _mpi.Sum : _mpi.Max, _mpi.CommWorld), "MPI_Allreduce");
    }

    public void AllToAllV<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive, ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        nint type = Type<T>();
        Collectives.CheckAllToAllV(send.Length, sendCounts, receive.Length, receiveCounts, Size);
        int[] sendDisplacements = Collectives.Displacements(sendCounts), receiveDisplacements = Collectives.Displacements(receiveCounts);
        // fixed of an empty span is a null pointer, which MPI may reject even with zero counts
        T dummySend = default, dummyReceive = default;
        fixed (T* s = send)
        fixed (T* r = receive)
        fixed (int* sc = sendCounts, sd = sendDisplacements, rc = receiveCounts, rd = receiveDisplacements)
            Check(_mpi, _mpi.Alltoallv(s == null ? &dummySend : s, sc, sd, type, r == null ? &dummyReceive : r, rc, rd, type, _mpi.CommWorld), "MPI_Alltoallv");
    }

    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        nint type = Type<T>();
        Collectives.CheckAllGather(send.Length, receive.Length, Size);
        T dummySend = default, dummyReceive = default;
        fixed (T* s = send)
        fixed (T* r = receive)
            Check(_mpi, _mpi.Allgather(s == null ? &dummySend : s, send.Length, type, r == null ? &dummyReceive : r, send.Length, type, _mpi.CommWorld), "MPI_Allgather");
    }

    public void Barrier() => Check(_mpi, _mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);   // MPI_Abort does not return; this is for a library that does
    }

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        int finalized;
        if (_mpi.Finalized(&finalized) == 0 && finalized == 0) _mpi.Finalize();
    }

    private nint Type<T>() where T : unmanaged
    {
        Collectives.CheckElementType<T>();
        return typeof(T) == typeof(float) ? _mpi.Float : typeof(T) == typeof(double) ? _mpi.Double : _mpi.Int;
    }

    // MPI_Get_library_version's first line, whitespace folded: "MPICH Version: 4.0.2", "Open MPI v4.1.4".
    private string VersionLine()
    {
        var buffer = new byte[8192];   // MPI_MAX_LIBRARY_VERSION_STRING: 8192 in MPICH, 256 in Open MPI
        int length;
        fixed (byte* b = buffer)
            if (_mpi.GetLibraryVersion(b, &length) != 0) return "MPI (version unknown)";
        string text = Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0');
        string first = text.Split('\n', ',')[0];
        return string.Join(' ', first.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static void Check(MpiAbi mpi, int code, string call)
    {
        if (code == 0) return;
        var buffer = new byte[1024];   // MPI_MAX_ERROR_STRING: 512 in MPICH, 256 in Open MPI
        int length = 0;
        fixed (byte* b = buffer)
            mpi.ErrorString(code, b, &length);
        throw new MpiException($"{call} failed with error {code}: {Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length))}");
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
