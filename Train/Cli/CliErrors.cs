// CliErrors: the boundary between user mistakes and bugs. A mistake in what the user gave us
// (a bad shape, a missing file, no GPU) becomes one line on stderr and exit code 1; anything else
// is a bug and keeps its stack trace.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Cli;

public static class CliErrors
{
    public static int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"moe: error: {e.Message}");
            return 1;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is ShapeException or Model.ModelInputException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or InvalidDataException
            || e is ArgumentException { ParamName: null }
            || e.GetType().Name.EndsWith("UnavailableException", StringComparison.Ordinal);
}
