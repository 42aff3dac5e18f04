// CliErrors: the boundary between user mistakes and bugs. A MoeUserException (a bad config, file,
// device or option value; its message already names what and why, on one line) becomes
// `moe: error: <message>` on stderr and exit code 1. Anything else is a bug in our code and keeps
// its stack trace; it is deliberately not caught by type name or broad base class here: the code
// that opens a user's path wraps its IO failures (UserFiles.Read), so none reach this point raw.
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
        catch (MoeUserException e)
        {
            Console.Error.WriteLine($"moe: error: {e.Message}");
            return UserErrorExitCode;
        }
    }
}
