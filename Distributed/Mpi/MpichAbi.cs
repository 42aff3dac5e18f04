// MpichAbi: the MPICH ABI's handles (32-bit ints, values from MPICH's mpi.h, shared by Intel MPI,
// MVAPICH, Cray MPICH and MS-MPI) and its calls, which take those ints.
namespace MoeFromScratch.Distributed.Mpi;

internal sealed unsafe class MpichAbi : MpiAbi
{
    private readonly delegate* unmanaged[Cdecl]<int, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged[Cdecl]<int, int, int> _commSetErrhandler, _abort;
    private readonly delegate* unmanaged[Cdecl]<void*, void*, int, int, int, int, int> _allreduce;
    private readonly delegate* unmanaged[Cdecl]<void*, int*, int*, int, void*, int*, int*, int, int, int> _alltoallv;
    private readonly delegate* unmanaged[Cdecl]<void*, int, int, void*, int, int, int, int> _allgather;
    private readonly delegate* unmanaged[Cdecl]<int, int> _barrier;

    public MpichAbi(string path, nint library) : base(path, library)
    {
        CommWorld = 0x44000000;
        Int = 0x4c000405;
        Float = 0x4c00040a;
        Double = 0x4c00080b;
        Max = 0x58000001;
        Sum = 0x58000003;
        ErrorsReturn = 0x54000001;
        _commRank = (delegate* unmanaged[Cdecl]<int, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged[Cdecl]<int, int*, int>)Export("MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged[Cdecl]<int, int, int>)Export("MPI_Comm_set_errhandler");
        _abort = (delegate* unmanaged[Cdecl]<int, int, int>)Export("MPI_Abort");
        _allreduce = (delegate* unmanaged[Cdecl]<void*, void*, int, int, int, int, int>)Export("MPI_Allreduce");
        _alltoallv = (delegate* unmanaged[Cdecl]<void*, int*, int*, int, void*, int*, int*, int, int, int>)Export("MPI_Alltoallv");
        _allgather = (delegate* unmanaged[Cdecl]<void*, int, int, void*, int, int, int, int>)Export("MPI_Allgather");
        _barrier = (delegate* unmanaged[Cdecl]<int, int>)Export("MPI_Barrier");
    }

    public override MpiFlavor Flavor => MpiFlavor.MpichAbi;
    public override void* InPlace => (void*)-1;

    private static int H(nint handle) => unchecked((int)handle);   // derived handles have the top bit set

    public override int CommRank(nint comm, int* rank) => _commRank(H(comm), rank);
    public override int CommSize(nint comm, int* size) => _commSize(H(comm), size);
    public override int CommSetErrhandler(nint comm, nint handler) => _commSetErrhandler(H(comm), H(handler));
    public override int Allreduce(void* send, void* receive, int count, nint type, nint op, nint comm) =>
        _allreduce(send, receive, count, H(type), H(op), H(comm));
    public override int Alltoallv(void* send, int* sendCounts, int* sendDisplacements, nint sendType,
        void* receive, int* receiveCounts, int* receiveDisplacements, nint receiveType, nint comm) =>
        _alltoallv(send, sendCounts, sendDisplacements, H(sendType), receive, receiveCounts, receiveDisplacements, H(receiveType), H(comm));
    public override int Allgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm) =>
        _allgather(send, sendCount, H(sendType), receive, receiveCount, H(receiveType), H(comm));
    public override int Barrier(nint comm) => _barrier(H(comm));
    public override int Abort(nint comm, int code) => _abort(H(comm), code);
}
