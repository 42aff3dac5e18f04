// One .safetensors file: read into float32 CPU tensors, or written from them in F32, F16 or BF16.
// Reading validates the whole header first (SafeTensorsHeader), so a corrupt file fails before any
// tensor is allocated. Writing is atomic: a temporary file in the same folder, then a rename.
// Not here: sharding (ShardedCheckpoint) or knowing which names a model needs (ModelCheckpoint).
// Tensors are the raw MoeFromScratch.Tensors.Tensor, so checkpoint IO does not depend on autograd.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public static class SafeTensorsFile
{
    private const int ChunkElements = 1 << 18; // convert through a 0.5-1 MB buffer, not a copy of the tensor

    /// <summary>The validated header alone: names, dtypes, shapes; no tensor data is read.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = Open(path);
        return SafeTensorsHeader.Read(stream, path);
    }

    /// <summary>Every tensor, as float32 on the CPU, in header order. The caller owns (disposes) them.</summary>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, _ => true);

    /// <summary>The tensors whose names pass the filter (a shard read for some of its names).</summary>
    public static Dictionary<string, Tensor> Read(string path, Func<string, bool> include)
    {
        using var stream = Open(path);
        var header = SafeTensorsHeader.Read(stream, path);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in header.Entries.Where(e => include(e.Name)))
                result.Add(entry.Name, ReadTensor(stream, header.DataStart, entry, path));
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    private static Tensor ReadTensor(Stream stream, long dataStart, SafeTensorsEntry entry, string path)
    {
        if (entry.Numel > Array.MaxLength)
            throw new CheckpointException($"{path}: tensor '{entry.Name}' has {entry.Numel} elements, more than one array can hold");
        var values = new float[entry.Numel];
        int size = entry.DType.SizeInBytes();
        var bytes = new byte[Math.Min(values.Length, ChunkElements) * size];
        stream.Position = dataStart + entry.Begin;
        for (int done = 0; done < values.Length; done += ChunkElements)
        {
            int count = Math.Min(ChunkElements, values.Length - done);
            stream.ReadExactly(bytes, 0, count * size);
            StoredDTypes.Decode(entry.DType, bytes.AsSpan(0, count * size), values.AsSpan(done, count));
        }
        // Refused here, at load, not later in a sampler or as a NaN loss: name the tensor and the element.
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new CheckpointException($"{path}: tensor '{entry.Name}' {Shape.Format(entry.Shape)} holds {(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+inf" : "-inf")} at element {i}; " +
                    "weights must be finite (a diverged run or a damaged file)");
        return Tensor.FromArray(values, entry.Shape);
    }

    /// <summary>
    /// Writes the tensors in the given order, each converted to dtype (bf16 and fp16 round to
    /// nearest even). metadata goes to "__metadata__"; by default {"format": "pt"} as PyTorch writes.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, StoredDType dtype, IReadOnlyDictionary<string, string>? metadata = null)
    {
        metadata ??= new Dictionary<string, string> { ["format"] = "pt" };
        var entries = new List<SafeTensorsEntry>(tensors.Count);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (!tensor.DType.IsFloatingPoint())
                throw new ArgumentException($"safetensors {path}: tensor '{name}' is {tensor.DType.Name()}; checkpoints hold floating-point weights");
            long bytes = tensor.Numel * dtype.SizeInBytes();
            entries.Add(new SafeTensorsEntry(name, dtype, (int[])tensor.Shape.Clone(), offset, offset + bytes));
            offset += bytes;
        }
        if (entries.Select(e => e.Name).Distinct().Count() != entries.Count)
            throw new ArgumentException($"safetensors {path}: tensor names must be unique");
        var header = SafeTensorsHeader.Serialize(entries, metadata);

        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            var values = new float[ChunkElements];
            var bytes = new byte[ChunkElements * dtype.SizeInBytes()];
            foreach (var (_, tensor) in tensors)
            {
                if (tensor.Numel == 0) continue; // nothing to write (and no need to read a 0-sized view)
                // read back a chunk at a time: a checkpoint never holds a host copy of a whole tensor
                using var cast = tensor.DType == DType.Float32 ? null : tensor.Cast(DType.Float32);
                var float32 = cast ?? tensor;
                using var dense = float32.IsContiguous ? null : float32.Contiguous();
                var source = dense ?? float32;
                for (long done = 0; done < source.Numel; done += ChunkElements)
                {
                    int count = (int)Math.Min(ChunkElements, source.Numel - done);
                    source.CopyTo(done, values.AsSpan(0, count));
                    StoredDTypes.Encode(dtype, values.AsSpan(0, count), bytes);
                    stream.Write(bytes, 0, count * dtype.SizeInBytes());
                }
            }
        });
    }

    // No size bound of its own: the header must account for every byte, and the checkpoint's
    // tensors are checked against its config (ModelCheckpoint.CheckAgainst) before a model is built.
    private static readonly RegularFile.Kind FileKind = new(UserErrorKind.Checkpoint, "a safetensors file", long.MaxValue, m => new CheckpointException(m));

    private static FileStream Open(string path) => RegularFile.OpenRead(path, FileKind);
}
