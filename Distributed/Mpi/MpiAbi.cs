// MpiAbi: the MPI C functions we call, loaded from the shared library with NativeLibrary and called
// through unmanaged function pointers, for the two ABIs in use. They differ in what a handle is:
//   MPICH ABI (MPICH, Intel MPI, MVAPICH, Cray MPICH): MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler
//     are 32-bit ints with values fixed in mpi.h (MPI_COMM_WORLD 0x44000000, …);
//   Open MPI: they are pointers, the addresses of exported globals (ompi_mpi_comm_world, …).
// Handles are kept as nint here; each ABI's calls pass them as its C type (MPICH's unchecked to 32
// bits: derived types have the top bit set). MPI_IN_PLACE differs too: (void*)-1 vs (void*)1.
// Only the calls the communicator needs; not a general MPI binding.
using System.Runtime.InteropServices;

namespace MoeFromScratch.Distributed.Mpi;

public enum MpiFlavor
{
    MpichAbi,
    OpenMpi,
}

internal abstract unsafe class MpiAbi
{
    public const int ThreadFunneled = 1;   // MPI_THREAD_FUNNELED in both: only the main thread calls MPI

    public abstract MpiFlavor Flavor { get; }
    public string LibraryPath { get; }
    protected nint Library { get; }

    public nint CommWorld { get; protected init; }
    public nint Int { get; protected init; }
    public nint Float { get; protected init; }
    public nint Double { get; protected init; }
    public nint Sum { get; protected init; }
    public nint Max { get; protected init; }
    public nint ErrorsReturn { get; protected init; }
    public abstract void* InPlace { get; }

    // the calls without handles: one signature in both ABIs
    public readonly delegate* unmanaged[Cdecl]<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged[Cdecl]<int*, int> Initialized, Finalized;
    public readonly delegate* unmanaged[Cdecl]<int> Finalize;
    public readonly delegate* unmanaged[Cdecl]<byte*, int*, int> GetLibraryVersion;
    public readonly delegate* unmanaged[Cdecl]<int, byte*, int*, int> ErrorString;

    protected MpiAbi(string libraryPath, nint library)
    {
        LibraryPath = libraryPath;
        Library = library;
        InitThread = (delegate* unmanaged[Cdecl]<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged[Cdecl]<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged[Cdecl]<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged[Cdecl]<int>)Export("MPI_Finalize");
        GetLibraryVersion = (delegate* unmanaged[Cdecl]<byte*, int*, int>)Export("MPI_Get_library_version");
        ErrorString = (delegate* unmanaged[Cdecl]<int, byte*, int*, int>)Export("MPI_Error_string");
    }

    protected nint Export(string name) => NativeLibrary.GetExport(Library, name);

    // the calls with handles, each ABI passing them as its own C type
    public abstract int CommRank(nint comm, int* rank);
    public abstract int CommSize(nint comm, int* size);
    public abstract int CommSetErrhandler(nint comm, nint handler);
    public abstract int Allreduce(void* send, void* receive, int count, nint type, nint op, nint comm);
    public abstract int Alltoallv(void* send, int* sendCounts, int* sendDisplacements, nint sendType,
        void* receive, int* receiveCounts, int* receiveDisplacements, nint receiveType, nint comm);
    public abstract int Allgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm);
    public abstract int Barrier(nint comm);
    public abstract int Abort(nint comm, int code);

    /// <summary>The library names to try for a flavour, versioned (the unversioned libmpi.so may be either).</summary>
    public static string[] Candidates(MpiFlavor flavor) => flavor == MpiFlavor.MpichAbi
        ? ["libmpi.so.12", "libmpich.so.12"]   // upstream MPICH and Intel MPI name it libmpi.so.12; Debian libmpich.so.12
        : ["libmpi.so.40"];

    public static MpiAbi Load(MpiFlavor flavor, string path, nint library) => flavor == MpiFlavor.MpichAbi
        ? new MpichAbi(path, library)
        : new OpenMpiAbi(path, library);
}
