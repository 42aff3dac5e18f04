// `moe help [COMMAND]`: the list of commands, or one command's options — the same text as
// `moe --help` / `moe COMMAND --help`, for people who type the word. Not a second help text.
using System.CommandLine;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Cli;

public static class HelpCommand
{
    public static Command Create(RootCommand root)
    {
        var name = new Argument<string[]>("command") { Description = "A command (or command and sub-command, like `bench gemm`) to show the options of.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show the commands, or one command's options.") { name };
        command.SetAction(parse =>
        {
            string[] path = parse.GetValue(name) ?? [];
            Command at = root;
            foreach (var part in path)
                at = at.Subcommands.FirstOrDefault(c => c.Name == part) ?? throw new UsageException(
                    $"help: '{part}' is not a command{(at == root ? "" : $" of `moe {at.Name}`")}; the commands are {string.Join(", ", at.Subcommands.Select(c => c.Name))}");
            return root.Parse([.. path, "--help"]).Invoke();
        });
        return command;
    }
}
