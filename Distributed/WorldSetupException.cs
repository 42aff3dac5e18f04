// WorldSetupException: a mistake in how the world was set up (a launcher without its MPI library,
// a batch or expert count P does not divide) that every rank finds the same way, before any
// collective. Every rank stops with exit code 1; only the one that Prints (rank 0) says why, so the
// user reads one line, not P.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Distributed;

public sealed class WorldSetupException(string message, bool prints) : MoeUserException(UserErrorKind.Argument, message)
{
    public bool Prints { get; } = prints;
}
