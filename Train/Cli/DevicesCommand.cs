// `moe devices [--json]`: the compute devices this machine offers, the CPU first.
// What a user checks before choosing `--device`.
using System.CommandLine;
using System.Text.Json.Nodes;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class DevicesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array instead of a table." };
        var command = new Command("devices", "List the compute devices (CPU, Vulkan GPUs) and their capabilities.") { json };
        command.SetAction(parse => Run(parse.GetValue(json)));
        return command;
    }

    private static int Run(bool asJson)
    {
        var devices = DeviceCatalog.List();
        if (asJson)
        {
            var array = new JsonArray();
            foreach (var d in devices) array.Add((JsonNode)d.ToJson());
            Console.WriteLine(array.ToJsonString());
            return 0;
        }
        var table = new Table().AddColumns("device", "type", "name", "details");
        foreach (var d in devices)
            table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Type), Markup.Escape(d.Name), Markup.Escape(d.Details));
        ConsoleTables.Write(AnsiConsole.Console, table);
        foreach (var note in DeviceCatalog.Notes(devices))
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
        return 0;
    }
}
