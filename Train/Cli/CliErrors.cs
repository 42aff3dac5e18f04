// CliErrors: the boundary between user mistakes and bugs. A MoeUserException (a bad config, file,
// device or option value; its message already names what and why, on one line) becomes
// `moe: error: <message>` on stderr and exit code 1. Anything else is a bug in our code and keeps
// its stack trace; it is deliberately not caught by type name or broad base class here: the code
// that opens a user's path wraps its IO failures (UserFiles.Read), so none reach this point raw.
// Under an MPI launcher with P > 1 ranks a failure on one rank must end them all, or the others wait
// in their next collective for ever: the failing rank prints its line (prefixed "rank r:" past rank 0)
// and calls MPI_Abort. A WorldSetupException is the exception: every rank found it, before any
// collective, so each exits 1 on its own and only rank 0 prints.
using MoeFromScratch.Distributed;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Cli;

public static class CliErrors
{
    public const int UserErrorExitCode = 1;

    public static int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (WorldSetupException e)
        {
            if (e.Prints) Console.Error.WriteLine($"moe: error: {e.Message}");
            World.Close();
            return UserErrorExitCode;
        }
        catch (MoeUserException e)
        {
            Console.Error.WriteLine($"moe: error: {RankPrefix()}{e.Message}");
            AbortOtherRanks();
            return UserErrorExitCode;
        }
        catch (Exception e) when (World.Current is { Size: > 1 })
        {
            Console.Error.WriteLine($"moe: error: {RankPrefix()}{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            Console.Error.WriteLine(e.ToString());
            AbortOtherRanks();
            throw;
        }
    }

    private static string RankPrefix() => World.Current is { Size: > 1, Rank: > 0 } world ? $"rank {world.Rank}: " : "";

    private static void AbortOtherRanks()
    {
        if (World.Current is { Size: > 1 } world) world.Abort(UserErrorExitCode);
    }
}
