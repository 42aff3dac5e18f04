// The header of a .safetensors file, parsed and validated, and its serialisation.
//   [8 bytes: N, little-endian u64] [N bytes: JSON header, space-padded] [data buffer]
//   header = { "__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]} }
// Offsets are relative to the data buffer. Validation follows the format's own rules: a bounded
// header length, valid JSON, known dtypes, byte sizes that match dtype × shape, offsets inside the
// buffer and no two tensors overlapping (gaps and any order are allowed). Every error is one line
// naming the file and, where there is one, the tensor. Not here: reading the data (SafeTensorsFile).
// Follows: the safetensors format description (huggingface/safetensors README).
using System.Buffers.Binary;
using System.Text.Json;

namespace MoeFromScratch.Model.Checkpoint;

/// <summary>One tensor's entry: where its bytes lie in the data buffer and how to read them.</summary>
public sealed record SafeTensorsEntry(string Name, StoredDType DType, int[] Shape, long Begin, long End)
{
    public long Numel => Tensors.Shape.Numel(Shape);
}

public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart)
{
    /// <summary>Headers larger than this are refused before anything is allocated.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads and validates the header of an open file; leaves the stream anywhere.</summary>
    public static SafeTensorsHeader Read(Stream stream, string file)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new CheckpointException($"{file}: truncated: {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw new CheckpointException($"{file}: header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        if (8 + (long)headerLength > fileLength)
            throw new CheckpointException($"{file}: header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, fileLength - dataStart, dataStart, file);
    }

    private static SafeTensorsHeader Parse(byte[] json, long dataLength, long dataStart, string file)
    {
        // JsonDocument checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new CheckpointException($"{file}: header is not valid JSON: it is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new CheckpointException($"{file}: header is not valid JSON: {e.Message.ReplaceLineEndings(" ")}"); }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{file}: header must be a JSON object, got {document.RootElement.ValueKind}");

        var entries = new List<SafeTensorsEntry>();
        var metadata = new Dictionary<string, string>();
        var names = new HashSet<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!names.Add(property.Name))
                throw new CheckpointException($"{file}: tensor '{property.Name}' appears twice in the header");
            if (property.Name == "__metadata__")
                ReadMetadata(property.Value, metadata, file);
            else
                entries.Add(ReadEntry(property.Name, property.Value, dataLength, $"{file}: tensor '{property.Name}'"));
        }
        CheckNoOverlap(entries, file);
        return new SafeTensorsHeader(entries, metadata, dataStart);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{file}: __metadata__ must be an object of strings, got {value.ValueKind}");
        foreach (var p in value.EnumerateObject())
            metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                : throw new CheckpointException($"{file}: __metadata__ '{p.Name}' must be a string, got {p.Value.ValueKind}");
    }

    private static SafeTensorsEntry ReadEntry(string name, JsonElement value, long dataLength, string where)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{where}: entry must be an object, got {value.ValueKind}");
        JsonElement? dtypeJson = null, shapeJson = null, offsetsJson = null;
        foreach (var p in value.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype": dtypeJson = p.Value; break;
                case "shape": shapeJson = p.Value; break;
                case "data_offsets": offsetsJson = p.Value; break;
                default: throw new CheckpointException($"{where}: unknown key '{p.Name}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtypeJson is not { ValueKind: JsonValueKind.String } dt)
            throw new CheckpointException($"{where}: 'dtype' must be a string");
        if (!StoredDTypes.TryParse(dt.GetString()!, out var dtype))
            throw new CheckpointException($"{where}: dtype '{dt.GetString()}' is not supported (expected {StoredDTypes.All})");
        var shape = ReadIntegers(shapeJson, "shape", where, int.MaxValue);
        var offsets = ReadIntegers(offsetsJson, "data_offsets", where, long.MaxValue);
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw new CheckpointException($"{where}: 'data_offsets' must be [begin, end] with begin <= end, got [{string.Join(", ", offsets)}]");
        long begin = offsets[0], end = offsets[1];

        Int128 needed = dtype.SizeInBytes();
        foreach (var d in shape) needed *= d;
        if (end - begin != needed)
            throw new CheckpointException($"{where}: data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {Tensors.Shape.Format(shape.Select(d => (int)d).ToArray())} of {dtype} needs {needed}");
        if (end > dataLength)
            throw new CheckpointException($"{where}: data_offsets [{begin}, {end}] run past the end of the data buffer ({dataLength} bytes; is the file truncated?)");
        return new SafeTensorsEntry(name, dtype, shape.Select(d => (int)d).ToArray(), begin, end);
    }

    private static long[] ReadIntegers(JsonElement? json, string key, string where, long max)
    {
        if (json is not { ValueKind: JsonValueKind.Array } array)
            throw new CheckpointException($"{where}: '{key}' must be an array of integers");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0 || v > max)
                throw new CheckpointException($"{where}: '{key}' must hold integers between 0 and {max}, got {item.GetRawText()}");
            values[i++] = v;
        }
        return values;
    }

    // Gaps and any order are allowed; two tensors sharing a byte are not.
    private static void CheckNoOverlap(List<SafeTensorsEntry> entries, string file)
    {
        var byBegin = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byBegin.Count; i++)
        {
            var (previous, current) = (byBegin[i - 1], byBegin[i]);
            if (current.Begin < previous.End)
                throw new CheckpointException($"{file}: tensor '{current.Name}' bytes [{current.Begin}, {current.End}] overlap tensor '{previous.Name}' [{previous.Begin}, {previous.End}]");
        }
    }

    // ---- writing ---------------------------------------------------------------------------------

    /// <summary>The 8-byte length and the JSON header, padded with spaces so the data starts 8-byte aligned.</summary>
    public static byte[] Serialize(IReadOnlyList<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) w.WriteString(key, value);
                w.WriteEndObject();
            }
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DType.ToString());
                w.WriteStartArray("shape");
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int json = (int)buffer.Length;
        int padded = (json + 7) / 8 * 8; // 8 + padded is a multiple of 8
        var result = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded);
        buffer.ToArray().CopyTo(result, 8);
        result.AsSpan(8 + json).Fill((byte)' ');
        return result;
    }
}
