// MetricsLog: metrics.jsonl, one JSON object per line, appended and flushed as each step ends, so
// a crash loses at most the line being written and `tail -f` / pandas can read it while training.
// Lines: {"kind":"train","step":..,"loss":..,"lm_loss":..,"aux_loss":..,"aux_per_layer":[..],
// "lr":..,"grad_norm":..,"tokens_per_s":..,"expert_load":[[..],..],"skipped":null|"why",
// "data_ms":..,"forward_ms":..,"backward_ms":..,"optimizer_ms":..,"device_bytes":..|null,
// "device_reserved_bytes":..|null,"rss_bytes":..|null} (StepMemory) and {"kind":"eval","step":..,"val_loss":..}.
// Steps are numbered 1..N, as the console counts them: a train line's step is the step it reports,
// an eval line's the step it follows, and checkpoint-S holds steps 1..S. Resuming from step S
// first drops lines of steps > S (written after that checkpoint by the interrupted run), rewriting
// the file atomically, so each step appears once.
// Non-finite numbers are written as null (JSON has no NaN). A folder or disk that refuses the
// writes is a one-line user error naming the file.
using System.Text.Json;
using MoeFromScratch.Model;

namespace MoeFromScratch.Train.Training;

public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    /// <summary>How metrics.jsonl is read (the resume's rewrite, `moe plot`): a regular file, at most 1 GiB (Model/RegularFile).</summary>
    public static readonly RegularFile.Kind FileKind = new(Tensors.UserErrorKind.Data, "a metrics.jsonl file of at most 1 GiB", RegularFile.GiB, m => new Data.DataException(m));
    private readonly FileStream _stream;

    public string Path { get; }

    public MetricsLog(string folder, long resumeStep = 0)
    {
        Path = System.IO.Path.Combine(folder, FileName);
        _stream = UserFiles.Write(Path, () =>
        {
            Directory.CreateDirectory(folder);
            if (resumeStep > 0 && File.Exists(Path)) DropStepsFrom(resumeStep);
            // unbuffered: each line is one write, and a failed write leaves nothing for Dispose to retry
            return new FileStream(Path, resumeStep > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        });
    }

    public void Write(StepReport r) => Line(w =>
    {
        w.WriteString("kind", "train");
        w.WriteNumber("step", r.Step + 1);   // StepReport counts from 0, people and the console from 1
        Number(w, "loss", r.Loss);
        Number(w, "lm_loss", r.LmLoss);
        Number(w, "aux_loss", r.AuxLoss);
        w.WriteStartArray("aux_per_layer");
        foreach (var a in r.AuxPerLayer) Number(w, null, a);
        w.WriteEndArray();
        w.WriteStartArray("moe_layers");   // the model layer (model.layers.N) of each aux_per_layer and expert_load entry
        for (int i = 0; i < r.ExpertLoadPerLayer.Count; i++) w.WriteNumberValue(r.LayerOf(i));
        w.WriteEndArray();
        Number(w, "lr", r.LearningRate);
        Number(w, "grad_norm", r.GradNorm);
        Number(w, "tokens_per_s", r.TokensPerSecond);
        w.WriteStartArray("expert_load");
        foreach (var layer in r.ExpertLoadPerLayer)
        {
            w.WriteStartArray();
            foreach (int n in layer) w.WriteNumberValue(n);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        if (r.Skipped is null) w.WriteNull("skipped");
        else w.WriteString("skipped", r.Skipped);
        Number(w, "data_ms", r.Times.Data.TotalMilliseconds);
        Number(w, "forward_ms", r.Times.Forward.TotalMilliseconds);
        Number(w, "backward_ms", r.Times.Backward.TotalMilliseconds);
        Number(w, "optimizer_ms", r.Times.Optimizer.TotalMilliseconds);
        Bytes(w, "device_bytes", r.Memory.DeviceBytesInUse);
        Bytes(w, "device_reserved_bytes", r.Memory.DeviceBytesReserved);
        Bytes(w, "rss_bytes", r.Memory.RssBytes);
    });

    public void Write(EvalReport r) => Line(w =>
    {
        w.WriteString("kind", "eval");
        w.WriteNumber("step", r.Step);
        Number(w, "val_loss", r.ValidationLoss);
    });

    private void Line(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        UserFiles.Write(Path, () =>
        {
            _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);  // one write per line
            _stream.Flush();
        });
    }

    private static void Number(Utf8JsonWriter w, string? name, double value)
    {
        if (name is not null) w.WritePropertyName(name);
        if (double.IsFinite(value)) w.WriteNumberValue(value);
        else w.WriteNullValue();
    }

    private static void Bytes(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private void DropStepsFrom(long resumeStep)
    {
        var kept = RegularFile.ReadAllText(Path, FileKind).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => StepOf(line) is long s && s <= resumeStep).ToList();
        AtomicFile.WriteAllText(Path, string.Concat(kept.Select(l => l + "\n")));
    }

    // The "step" of one line; null for a line cut short by a crash (it is dropped).
    private static long? StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("step", out var step) && step.TryGetInt64(out long s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
