// MpiException: an MPI call returned an error (errors are set to return, not to abort, so the
// message names the call and MPI's own words for the code).
namespace MoeFromScratch.Distributed.Mpi;

public sealed class MpiException(string message) : Exception(message);
