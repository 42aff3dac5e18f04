// End-to-end: the built `moe` run as a child process (`dotnet moe.dll …`, a handful of cases) with
// bad input. Each must exit non-zero with exactly one stderr line starting "moe: error:" and no
// stack trace: what a person at the terminal sees.
using System.Diagnostics;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class CliErrorTests : IDisposable
{
    private readonly FuzzFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> BadCommands => new()
    {
        "params --config /nonexistent.json",
        "params --config {corrupt}",
        "params --config {folder}",
        "tokenize --data /nonexistent",
        "tokenize --data {empty}",
        "gradcheck --device vulkan:99",
        "gradcheck --device quantum",
        "gradcheck --op nosuchop",
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public void A_bad_input_is_one_line_on_stderr_and_a_nonzero_exit(string command)
    {
        File.WriteAllText(_folder.File("corrupt.json"), "{\"vocab_size\": 16,\n \"hidden_size\": ");
        File.WriteAllText(_folder.File("empty.txt"), " \n");
        string args = command.Replace("{corrupt}", _folder.File("corrupt.json")).Replace("{empty}", _folder.File("empty.txt"))
            .Replace("{folder}", _folder.Path);

        var (exit, stdout, stderr) = RunMoe(args);

        Assert.True(exit != 0, $"moe {args}: exit code 0; stdout: {stdout}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"moe {args}: {lines.Length} stderr lines:\n{stderr}");
        Assert.StartsWith("moe: error: ", lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>Runs the built moe.dll with args (a child process, 60 s at most); other tests reuse it.</summary>
    internal static (int Exit, string Stdout, string Stderr) RunMoe(string args)
    {
        string moe = Path.Combine(AppContext.BaseDirectory, "moe.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{moe}\" {args}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["XDG_CACHE_HOME"] = Path.GetTempPath() },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"moe {args}: no exit within 60 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
