// moe: the MoeFromScratch command-line program. Each sub-command lives in Cli/<Name>Command.cs;
// this file only wires them together and turns user mistakes into one-line errors.
using System.CommandLine;
using MoeFromScratch.Train.Cli;
using MoeFromScratch.Train.Training.Reporting;

ConsoleTables.SetUp();   // piped tables are laid out wide, not at Spectre's 80-column fallback

var root = new RootCommand("MoeFromScratch: a DeepSeekMoE language model trained by a pure-C# tensor engine (CPU or Vulkan).")
{
    DevicesCommand.Create(),
    ParamsCommand.Create(),
    TokenizeCommand.Create(),
    GradCheckCommand.Create(),
    TrainCommand.Create(),
    SftCommand.Create(),
    ChatCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    PlotCommand.Create(),
    BenchCommand.Create(),
    AnalyzeCommand.Create(),
    ExperimentCommand.Create(),
    WorldCommand.Create(),
};
root.Add(HelpCommand.Create(root));

// The default handler would print user errors with a stack trace, and parse errors with the whole
// help; CliErrors decides instead, and a parse error is one line (ParseErrors). No command: the help.
return CliErrors.Run(() =>
{
    var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
    if (parse.Errors.Count > 0) throw new MoeFromScratch.Tensors.UsageException(ParseErrors.OneLine(parse));
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
});
