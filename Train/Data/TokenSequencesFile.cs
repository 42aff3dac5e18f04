// TokenSequencesFile: the `--tokens FILE` format of `moe eval`, both directions — a JSON array of
// token-id sequences ([[1, 2, 3], [4, 5]]) that `moe tokenize --eval-tokens FILE` writes from a
// token file (its validation split, cut into windows of T tokens) and `moe eval` reads, checked:
// each sequence 2..max_position_embeddings long, every id inside the vocabulary.
// Not the training data format (TokenFile, binary and memory-mapped): this one is for a few
// thousand sequences a person can read, edit or produce with another tool (HF's tokenizers).
using System.Text.Json;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Data;

public static class TokenSequencesFile
{
    public const long MaxBytes = 256 * RegularFile.MiB;
    private static readonly RegularFile.Kind Kind = new(UserErrorKind.Data, "a --tokens JSON file of at most 256 MiB", MaxBytes, m => new DataException(m));

    /// <summary>The sequences of a tokens file, checked: ids in 0..V-1, lengths 2..maxLength.</summary>
    public static List<int[]> Read(string file, int vocabSize, int maxLength)
    {
        List<int[]>? sequences;
        try
        {
            sequences = JsonSerializer.Deserialize(RegularFile.ReadAllBytes(file, Kind), TrainJson.Default.ListInt32Array);
        }
        catch (JsonException e)
        {
            throw new DataException($"--tokens {file}: expected a JSON array of token-id arrays such as [[1, 2, 3], [4, 5]] ({e.Message.Split('\n')[0].TrimEnd('.')})");
        }
        if (sequences is null || sequences.Count == 0)
            throw new DataException($"--tokens {file}: no sequences (expected a JSON array of token-id arrays)");
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i] ?? throw new DataException($"--tokens {file}: sequence {i} is null");
            if (s.Length < 2 || s.Length > maxLength)
                throw new DataException($"--tokens {file}: sequence {i} has {s.Length} tokens, expected 2..{maxLength} (max_position_embeddings)");
            int bad = Array.FindIndex(s, t => t < 0 || t >= vocabSize);
            if (bad >= 0)
                throw new DataException($"--tokens {file}: sequence {i} holds token id {s[bad]} at {bad}, outside the vocabulary 0..{vocabSize - 1}");
        }
        return sequences;
    }

    /// <summary>Writes tokens as consecutive windows of seq tokens (a last shorter one if it has 2 or more),
    /// at most maxSequences of them, atomically; returns how many sequences and tokens it wrote.</summary>
    public static (int Sequences, long Tokens) Write(string file, TokenFile tokens, int seq, int? maxSequences)
    {
        if (seq < 2) throw new ArgumentOutOfRangeException(nameof(seq), $"sequence length {seq}, expected >= 2");
        long count = Math.Min(tokens.Count, (long)seq * (maxSequences ?? int.MaxValue));
        if (count % seq == 1) count--;                                        // a 1-token tail predicts nothing
        if (count < 2)
            throw new DataException($"{tokens.Path}: {tokens.Count} token(s), too few for one sequence (a sequence needs 2: one predicts the next)");
        var window = new int[seq];
        UserFiles.Write(file, () => AtomicFile.Write(file, stream =>
        {
            using var json = new Utf8JsonWriter(stream);
            json.WriteStartArray();
            for (long at = 0; at < count; at += seq)
            {
                var span = window.AsSpan(0, (int)Math.Min(seq, count - at));
                tokens.Read(at, span);
                json.WriteStartArray();
                foreach (int id in span) json.WriteNumberValue(id);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }));
        return ((int)((count + seq - 1) / seq), count);
    }
}
