// moe: the MoeFromScratch command-line program. Each sub-command lives in Cli/<Name>Command.cs;
// this file only wires them together and turns user mistakes into one-line errors.
using System.CommandLine;
using MoeFromScratch.Train.Cli;

var root = new RootCommand("MoeFromScratch: a DeepSeekMoE language model trained by a pure-C# tensor engine (CPU or Vulkan).")
{
    DevicesCommand.Create(),
    ParamsCommand.Create(),
    TokenizeCommand.Create(),
    GradCheckCommand.Create(),
    TrainCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    PlotCommand.Create(),
    BenchCommand.Create(),
    AnalyzeCommand.Create(),
    ExperimentCommand.Create(),
    WorldCommand.Create(),
};

// The default handler would print user errors with a stack trace; CliErrors decides instead.
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
