// `moe params --config NAME|PATH [--precision fp32|bf16|fp64] [--json]`: parameter counts of a model
// from its config alone, total and activated per token, broken down by part, and what its weights
// and its KV cache take in that precision (Model/Config/Precision.cs). What a user checks before
// training a config (is this really 16.4B / 2.8B? does it fit a 40 GB GPU in bf16?). A config `moe train` would refuse is refused here in the
// same one line: a vocab_size the byte-level BPE tokenizer cannot make (outside 257..2^20, e.g. 10)
// counts parameters of a model that can never be trained, so describing it would only mislead.
using System.CommandLine;
using System.Text.Json.Nodes;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class ParamsCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = $"A preset ({string.Join(", ", MoePresets.All.Select(p => p.Name))}) or the path to a config.json.",
            Required = true,
        };
        var precision = new Option<string>("--precision")
        {
            Description = $"The dtype the weights are read in, for the memory lines: {Precision.Names}.",
            DefaultValueFactory = _ => Precision.Fp32.Name,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("params", "Count a model's parameters, total and activated per token, and the memory of its weights and KV cache.") { config, precision, json };
        command.SetAction(parse => Run(parse.GetValue(config)!, Precision.Parse(parse.GetValue(precision)!), parse.GetValue(json)));
        return command;
    }

    private static int Run(string nameOrPath, Precision precision, bool asJson)
    {
        var config = MoePresets.Resolve(nameOrPath);
        TokenizedCorpus.RequireTrainableVocab(config.VocabSize, nameOrPath);   // as `moe train` refuses it
        var (total, activated) = ParameterCount.Of(config);
        var groups = Enum.GetValues<ParamGroup>();
        if (asJson)
        {
            JsonObject Breakdown(ParamCounts counts) => new(groups.Select(g => KeyValuePair.Create(ParameterCount.JsonName(g), (JsonNode?)counts[g])));
            var result = new JsonObject
            {
                ["config"] = nameOrPath,
                ["total"] = total.Total,
                ["activated"] = activated.Total,
                ["total_breakdown"] = Breakdown(total),
                ["activated_breakdown"] = Breakdown(activated),
                ["precision"] = precision.Name,
                ["weight_bytes"] = precision.WeightBytes(config),
                ["kv_cache_bytes_per_token"] = precision.KvCacheBytesPerToken(config),
            };
            Console.WriteLine(result.ToJsonString());
            return 0;
        }
        var table = new Table().AddColumn("part").AddColumn("total", c => c.RightAligned()).AddColumn("activated", c => c.RightAligned());
        foreach (var g in groups)
            table.AddRow(ParameterCount.JsonName(g), $"{total[g]:N0}", $"{activated[g]:N0}");
        table.AddRow("[bold]all[/]", $"[bold]{total.Total:N0}[/] ({Short(total.Total)})", $"[bold]{activated.Total:N0}[/] ({Short(activated.Total)})");
        table.Title = new TableTitle(Markup.Escape(nameOrPath));
        ConsoleTables.Write(AnsiConsole.Console, table);
        Console.WriteLine($"weights in {precision.Name} ({precision.Compute.Name()}): {Bytes(precision.WeightBytes(config))}; " +
            $"KV cache {Bytes(precision.KvCacheBytesPerToken(config))} per token");
        return 0;
    }

    // Decimal units first (the paper's and the vendors' "32.8 GB"), binary after it.
    private static string Bytes(long n) => n >= 1_000_000_000 ? $"{n / 1e9:0.0} GB ({MemoryPlan.Size(n)})"
        : n >= 1_000_000 ? $"{n / 1e6:0.0} MB ({MemoryPlan.Size(n)})" : $"{n:N0} bytes ({MemoryPlan.Size(n)})";

    private static string Short(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.00}B",
        >= 1_000_000 => $"{n / 1e6:0.00}M",
        _ => $"{n / 1e3:0.00}K",
    };
}
