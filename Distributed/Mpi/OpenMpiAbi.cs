// OpenMpiAbi: Open MPI's handles (pointers: the addresses of the predefined objects it exports,
// which is what its mpi.h macros expand to, e.g. MPI_COMM_WORLD = &ompi_mpi_comm_world) and its
// calls, which take those pointers.
namespace MoeFromScratch.Distributed.Mpi;

internal sealed unsafe class OpenMpiAbi : MpiAbi
{
    private readonly delegate* unmanaged[Cdecl]<nint, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, int> _commSetErrhandler;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int> _abort;
    private readonly delegate* unmanaged[Cdecl]<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged[Cdecl]<void*, int*, int*, nint, void*, int*, int*, nint, nint, int> _alltoallv;
    private readonly delegate* unmanaged[Cdecl]<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _barrier;

    public OpenMpiAbi(string path, nint library) : base(path, library)
    {
        CommWorld = Export("ompi_mpi_comm_world");
        Int = Export("ompi_mpi_int");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Max = Export("ompi_mpi_op_max");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
        _commRank = (delegate* unmanaged[Cdecl]<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged[Cdecl]<nint, int*, int>)Export("MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged[Cdecl]<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        _abort = (delegate* unmanaged[Cdecl]<nint, int, int>)Export("MPI_Abort");
        _allreduce = (delegate* unmanaged[Cdecl]<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _alltoallv = (delegate* unmanaged[Cdecl]<void*, int*, int*, nint, void*, int*, int*, nint, nint, int>)Export("MPI_Alltoallv");
        _allgather = (delegate* unmanaged[Cdecl]<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        _barrier = (delegate* unmanaged[Cdecl]<nint, int>)Export("MPI_Barrier");
    }

    public override MpiFlavor Flavor => MpiFlavor.OpenMpi;
    public override void* InPlace => (void*)1;

    public override int CommRank(nint comm, int* rank) => _commRank(comm, rank);
    public override int CommSize(nint comm, int* size) => _commSize(comm, size);
    public override int CommSetErrhandler(nint comm, nint handler) => _commSetErrhandler(comm, handler);
    public override int Allreduce(void* send, void* receive, int count, nint type, nint op, nint comm) =>
        _allreduce(send, receive, count, type, op, comm);
    public override int Alltoallv(void* send, int* sendCounts, int* sendDisplacements, nint sendType,
        void* receive, int* receiveCounts, int* receiveDisplacements, nint receiveType, nint comm) =>
        _alltoallv(send, sendCounts, sendDisplacements, sendType, receive, receiveCounts, receiveDisplacements, receiveType, comm);
    public override int Allgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm) =>
        _allgather(send, sendCount, sendType, receive, receiveCount, receiveType, comm);
    public override int Barrier(nint comm) => _barrier(comm);
    public override int Abort(nint comm, int code) => _abort(comm, code);
}
