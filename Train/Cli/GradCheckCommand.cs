// `moe gradcheck [--device cpu|vulkan…] [--op NAME] [--cases N] [--seed S] [--json]`:
// checks every differentiable op's analytic gradient against float64 central differences on
// generated inputs and prints one row per op; exit code 1 if any op fails.
// On a Vulkan device the analytic side runs there in float32 and is compared with the CPU's
// float64 numeric gradient, with float32 tolerances.
using System.CommandLine;
using System.Text.Json.Nodes;
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class GradCheckCommand
{
    public static Command Create()
    {
        var device = DeviceSelector.CreateOption("Where the analytic gradients run");
        var op = new Option<string?>("--op") { Description = "Check only this op (default: every op in the catalogue)." };
        var cases = new Option<int>("--cases") { Description = "Generated cases per op, of growing size.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the first generated case.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "One JSON object per op instead of a table." };
        var command = new Command("gradcheck", "Check every op's gradient against finite differences.") { device, op, cases, seed, json };
        command.SetAction(parse => Run(parse.GetValue(device)!, parse.GetValue(op), parse.GetValue(cases), parse.GetValue(seed), parse.GetValue(json)));
        return command;
    }

    private static int Run(string deviceName, string? opName, int cases, int seed, bool asJson)
    {
        if (cases < 1) throw new UsageException($"--cases: expected at least 1, got {cases}");
        var names = opName is null ? GradCheckCatalog.Ops.Select(o => o.Name).ToArray() : [GradCheckCatalog.Find(opName).Name];
        var backend = DeviceSelector.Open(deviceName);
        try
        {
            // The CPU runs the analytic side in float64 itself; another device gets float32 inputs.
            IBackend? analytic = backend == Device.Cpu ? null : backend;
            var reports = new List<OpCheckReport>();
            foreach (var name in names)
            {
                var report = GradCheckCatalog.Run(name, cases, seed, analytic);
                reports.Add(report);
                if (asJson) Console.WriteLine(ToJson(report, backend.Name).ToJsonString());
            }
            if (!asJson) PrintTable(reports, backend.Name);
            return reports.All(r => r.Passed) ? 0 : 1;
        }
        finally
        {
            if (backend != Device.Cpu) backend.Dispose();
        }
    }

    private static JsonObject ToJson(OpCheckReport r, string device) => new()
    {
        ["op"] = r.Op,
        ["device"] = device,
        ["passed"] = r.Passed,
        ["max_rel_error"] = r.MaxRelativeError,
        ["shapes"] = new JsonArray([.. r.ShapesTried.Select(s => (JsonNode?)JsonValue.Create(s))]),
        ["failure"] = r.Failure,
    };

    private static void PrintTable(IReadOnlyList<OpCheckReport> reports, string device)
    {
        var table = new Table().AddColumns("op", "cases", "largest case", "max rel error", "result");
        table.Title = new TableTitle($"gradient check on {Markup.Escape(device)}");
        foreach (var r in reports)
        {
            string largest = r.ShapesTried.Count == 0 ? "" : r.ShapesTried[^1];
            if (largest.Length > 60) largest = largest[..57] + "...";
            table.AddRow(Markup.Escape(r.Op), r.ShapesTried.Count.ToString(), Markup.Escape(largest),
                r.MaxRelativeError.ToString("0.0e+00"), r.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        }
        ConsoleTables.Write(AnsiConsole.Console, table);
        foreach (var r in reports.Where(r => !r.Passed))
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(r.Failure ?? r.Op)}[/]");
        int failed = reports.Count(r => !r.Passed);
        AnsiConsole.MarkupLine(failed == 0 ? $"[green]{reports.Count} ops passed[/]" : $"[red]{failed} of {reports.Count} ops failed[/]");
    }
}
