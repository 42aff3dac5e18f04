// MetricsFile: reads a run's metrics.jsonl (written by Training/MetricsLog.cs) back into points for
// the plots. Only the fields the plots draw are read; the others are ignored. Every error is one line
// naming the file and the 1-based line number. Nulls (non-finite numbers) become NaN.
// Not a general reader: a final line without its newline is skipped, since a crash (or the writer,
// mid-line) may have cut it short; every other line must be a complete train or eval object.
using System.Text.Json;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Plots;

/// <summary>One training step: its losses and, per MoE layer, tokens sent to each routed expert.</summary>
public sealed record TrainPoint(long Step, double Loss, double LmLoss, double AuxLoss, IReadOnlyList<int[]> ExpertLoad);

/// <summary>One validation pass, after Step steps.</summary>
public sealed record EvalPoint(long Step, double ValidationLoss);

public sealed record RunMetrics(string Path, IReadOnlyList<TrainPoint> Train, IReadOnlyList<EvalPoint> Eval);

public static class MetricsFile
{

    public static RunMetrics Read(string path)
    {
        string text = RegularFile.ReadAllText(path, Training.MetricsLog.FileKind);
        var lines = text.Split('\n');
        var train = new List<TrainPoint>();
        var eval = new List<EvalPoint>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            bool unterminated = i == lines.Length - 1;  // text after the last '\n'
            if (line.Trim().Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object");
                switch (Text(o, "kind"))
                {
                    case "train":
                        train.Add(new TrainPoint(Int(o, "step"), Number(o, "loss"), Number(o, "lm_loss"), Number(o, "aux_loss"), Load(o)));
                        break;
                    case "eval":
                        eval.Add(new EvalPoint(Int(o, "step"), Number(o, "val_loss")));
                        break;
                    case var kind:
                        throw new FormatException($"unknown kind '{kind}' (expected train or eval)");
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                if (unterminated) continue;
                throw new DataException($"{path}:{i + 1}: malformed metrics line: {OneLine(e.Message)}");
            }
        }
        return new RunMetrics(path, train, eval);
    }

    private static JsonElement Field(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v : throw new FormatException($"field '{name}' is missing");

    private static string Text(JsonElement o, string name) =>
        Field(o, name) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw new FormatException($"field '{name}': expected a string");

    private static long Int(JsonElement o, string name) =>
        Field(o, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out long n) ? n : throw new FormatException($"field '{name}': expected an integer");

    private static double Number(JsonElement o, string name) => Field(o, name) switch
    {
        { ValueKind: JsonValueKind.Null } => double.NaN,
        { ValueKind: JsonValueKind.Number } v => v.GetDouble(),
        _ => throw new FormatException($"field '{name}': expected a number or null"),
    };

    private static int[][] Load(JsonElement o)
    {
        var layers = Field(o, "expert_load");
        if (layers.ValueKind != JsonValueKind.Array) throw new FormatException("field 'expert_load': expected an array of arrays");
        return layers.EnumerateArray().Select(layer => layer.ValueKind == JsonValueKind.Array
            ? layer.EnumerateArray().Select(n => n.TryGetInt32(out int k) ? k : throw new FormatException("field 'expert_load': expected integer counts")).ToArray()
            : throw new FormatException("field 'expert_load': expected an array of arrays")).ToArray();
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
