// The command line itself, through the built `moe` (child processes): a parse error is one line
// naming the option, the value and what the option takes — never a .NET type name, never the whole
// help; `moe help [COMMAND]` is a command; and every command's help states each default once
// (the "[default: …]" System.CommandLine adds, not a second "(default …)" in the description).
using System.Text.RegularExpressions;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class CliUsageTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("train --lr abc", "--lr: 'abc' is not a number (like 0.001); see `moe help train`")]
    [InlineData("train --steps", "--steps: needs a value (a whole number); see `moe help train`")]
    [InlineData("train --seed -1", "--seed: '-1' is not a whole number, 0 or more; see `moe help train`")]
    [InlineData("bench gemm --reps 1.5", "--reps: '1.5' is not a whole number; see `moe help bench gemm`")]
    [InlineData("bench gemm --sizes", "--sizes: needs a value; see `moe help bench gemm`")]
    [InlineData("tokenize --vocab 10", "--vocab 10: expected 257..1048576 (256 bytes + <|endoftext|> at least); see `moe help tokenize`")]
    [InlineData("train --seq 8 --seq 16", "--seq: given 2 times ('8', '16'); give it once; see `moe help train`")]
    [InlineData("train --vocab 300 --vocab x", "--vocab: given 2 times ('300', 'x'); give it once; see `moe help train`")]
    [InlineData("trian", "'trian' is not a command of `moe`; see `moe help`")]
    [InlineData("train --bogus 3", "'--bogus' is not an option of `moe train`; see `moe help train`")]
    [InlineData("bench", "`moe bench` needs one of: train, gemm; see `moe help bench`")]
    [InlineData("train --precision fp8", "--precision fp8: expected one of fp32, bf16, fp64")]
    [InlineData("generate --checkpoint nowhere --precision fp16", "--precision fp16: expected one of fp32, bf16, fp64")]
    [InlineData("help nope", "help: 'nope' is not a command; the commands are ")]
    public void A_parse_error_is_one_line_naming_the_option_and_what_it_takes(string args, string expected)
    {
        var exit = MoeProcess.Run(args, timeout: Limit);
        exit.AssertOneLineError(expected);
        Assert.Equal("", exit.Stdout);   // no help after it
        Assert.DoesNotContain("System.", exit.Stderr);
    }

    [Fact]
    public void Help_is_a_command_and_every_help_states_each_default_once()
    {
        var top = MoeProcess.Run("help", timeout: Limit);
        Assert.True(top.Code == 0, top.ToString());
        Assert.Equal(MoeProcess.Run("--help", timeout: Limit).Stdout, top.Stdout);
        var pending = new Queue<string>(Commands(top.Stdout));
        Assert.Contains("train", pending);
        int options = 0;
        while (pending.TryDequeue(out var command))
        {
            var help = MoeProcess.Run($"help {command}", timeout: Limit);
            Assert.True(help.Code == 0, help.ToString());
            Assert.Equal(MoeProcess.Run($"{command} --help", timeout: Limit).Stdout, help.Stdout);
            foreach (var sub in Commands(help.Stdout)) pending.Enqueue($"{command} {sub}");
            foreach (var line in help.Stdout.Split('\n').Where(l => l.Contains("[default: ", StringComparison.Ordinal)))
            {
                options++;
                string description = line[..line.IndexOf("[default: ", StringComparison.Ordinal)];
                Assert.False(description.Contains("default", StringComparison.OrdinalIgnoreCase), $"moe {command}: the default stated twice: {line.Trim()}");
            }
        }
        Assert.True(options > 10, $"only {options} options with a default were seen: the help format changed?");
    }

    // The names under "Commands:" in a help text.
    private static IEnumerable<string> Commands(string help)
    {
        var section = help.Split("Commands:", 2);
        return section.Length < 2 ? [] : CommandLine().Matches(section[1]).Select(m => m.Groups[1].Value).Where(c => c != "help").ToList();
    }

    [GeneratedRegex(@"^  ([a-z][a-z-]*)\b", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
