// End-to-end: the built `moe` run as a child process (MoeProcess, a handful of cases) with
// bad input. Each must exit non-zero with exactly one stderr line starting "moe: error:" and no
// stack trace: what a person at the terminal sees.
namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class CliErrorTests : FuzzFolderTests
{
    public static TheoryData<string> BadCommands => new()
    {
        "params --config /nonexistent.json",
        "params --config {corrupt}",
        "params --config {folder}",
        "params --config small --precision fp8",
        "tokenize --data /nonexistent",
        "tokenize --data {empty}",
        "gradcheck --device vulkan:99",
        "gradcheck --device quantum",
        "gradcheck --op nosuchop",
        "bench gemm --sizes 0",
        "bench gemm --sizes 64,x",
        "bench gemm --reps -1",
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public void A_bad_input_is_one_line_on_stderr_and_a_nonzero_exit(string command)
    {
        File.WriteAllText(Folder.File("corrupt.json"), "{\"vocab_size\": 16,\n \"hidden_size\": ");
        File.WriteAllText(Folder.File("empty.txt"), " \n");
        string args = command.Replace("{corrupt}", Folder.File("corrupt.json")).Replace("{empty}", Folder.File("empty.txt"))
            .Replace("{folder}", Folder.Path);

        var exit = MoeProcess.Run(args, timeout: TimeSpan.FromSeconds(60));

        Assert.True(exit.Code != 0, $"moe {args}: exit code 0; stdout: {exit.Stdout}");
        Assert.True(exit.StderrLines.Length == 1, $"moe {args}: {exit.StderrLines.Length} stderr lines:\n{exit.Stderr}");
        Assert.StartsWith("moe: error: ", exit.StderrLines[0]);
        Assert.DoesNotContain("   at ", exit.Stderr);
    }
}
