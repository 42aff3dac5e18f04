// BpeTokenizer: a byte-level BPE vocabulary and the two directions through it. Encode cuts the
// bytes into pre-tokens and, inside each, merges adjacent tokens in the order the merges were
// learned (lowest rank first) until no learned pair is left; Decode concatenates token bytes.
// Round trip is exact for ANY bytes because every byte is a token and nothing is normalised.
// It never turns text into special tokens: "<|endoftext|>" (or the chat template's begin/end of
// sentence) in the input is encoded as ordinary bytes; the data pipeline and ChatTemplate insert
// the special ids themselves.
// Follows GPT-2 `encoder.py` (bpe by rank) and HuggingFace tokenizers' BPE model.
using System.Collections.Concurrent;

namespace MoeFromScratch.Train.Tokenizer;

public sealed class BpeTokenizer
{
    /// <summary>The document separator GPT-2 uses; its id is the last one in the vocabulary.</summary>
    public const string EndOfText = "<|endoftext|>";

    private readonly byte[][] _tokenBytes;                         // id -> the bytes it stands for
    private readonly int[] _byteToId;                               // byte -> the id of its one-byte token
    private readonly Dictionary<long, (int Rank, int Id)> _merges;  // (left, right) -> rank and merged id
    // pre-token (ByteLevel text) -> ids; concurrent because one tokenizer may encode on many threads
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    /// <summary>Merges in rank order, as (left id, right id, merged id).</summary>
    public IReadOnlyList<(int Left, int Right, int Merged)> Merges { get; }
    /// <summary>Special tokens by id, e.g. EndOfText; Decode writes their text.</summary>
    public IReadOnlyDictionary<int, string> SpecialTokens { get; }
    public int VocabSize => _tokenBytes.Length;
    public int? EndOfTextId { get; }

    public BpeTokenizer(byte[][] tokenBytes, IReadOnlyList<(int Left, int Right, int Merged)> merges,
                        IReadOnlyDictionary<int, string> specialTokens)
    {
        _tokenBytes = tokenBytes;
        Merges = merges;
        SpecialTokens = specialTokens;
        _byteToId = new int[256];
        Array.Fill(_byteToId, -1);
        for (int id = 0; id < tokenBytes.Length; id++)
        {
            if (tokenBytes[id].Length == 1 && !specialTokens.ContainsKey(id)) _byteToId[tokenBytes[id][0]] = id;
        }
        int missing = Array.IndexOf(_byteToId, -1);
        if (missing >= 0) throw new ArgumentException($"vocabulary lacks a token for byte 0x{missing:X2}");
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
            _merges.TryAdd(Pair(merges[rank].Left, merges[rank].Right), (rank, merges[rank].Merged));
        EndOfTextId = SpecialId(EndOfText);
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The tokenizer <see cref="BpeTrainer"/> learned: ids 0..255 are the bytes, then one id
    /// per merge, then EndOfText.</summary>
    public static BpeTokenizer FromMerges(IReadOnlyList<(int Left, int Right)> merges)
    {
        var bytes = new List<byte[]>(Enumerable.Range(0, 256).Select(b => new[] { (byte)b }));
        var withIds = new List<(int, int, int)>(merges.Count);
        foreach (var (left, right) in merges)
        {
            withIds.Add((left, right, bytes.Count));
            bytes.Add([.. bytes[left], .. bytes[right]]);
        }
        var special = new Dictionary<int, string> { [bytes.Count] = EndOfText };
        bytes.Add(System.Text.Encoding.UTF8.GetBytes(EndOfText));
        return new BpeTokenizer([.. bytes], withIds, special);
    }

    /// <summary>This vocabulary with special tokens appended (ids V, V+1, ...) for the contents it
    /// lacks. Merges are unchanged, so no text ever encodes to them; only the caller inserts them.</summary>
    public BpeTokenizer WithSpecialTokens(params string[] contents)
    {
        var missing = contents.Where(c => !SpecialTokens.Values.Contains(c)).Distinct().ToList();
        if (missing.Count == 0) return this;
        var special = SpecialTokens.ToDictionary();
        var bytes = _tokenBytes.ToList();
        foreach (var content in missing)
        {
            special[bytes.Count] = content;
            bytes.Add(System.Text.Encoding.UTF8.GetBytes(content));
        }
        return new BpeTokenizer([.. bytes], Merges, special);
    }

    /// <summary>The id of a special token, or null when the vocabulary lacks it.</summary>
    public int? SpecialId(string content) => SpecialTokens.Where(kv => kv.Value == content).Select(kv => (int?)kv.Key).FirstOrDefault();

    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    public int[] Encode(string text) => Encode(System.Text.Encoding.UTF8.GetBytes(text));

    public int[] Encode(ReadOnlySpan<byte> bytes)
    {
        var ids = new List<int>(bytes.Length / 3 + 1);
        Encode(bytes, ids);
        return [.. ids];
    }

    /// <summary>Appends the ids of <paramref name="bytes"/> to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<byte> bytes, List<int> ids)
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(bytes, pieces);
        Span<char> key = stackalloc char[256];
        foreach (var (start, length) in pieces)
        {
            var piece = bytes.Slice(start, length);
            if (length > key.Length) { ids.AddRange(EncodePiece(piece)); continue; }  // rare: no caching
            for (int i = 0; i < length; i++) key[i] = ByteLevel.ByteToChar[piece[i]];
            if (!_cacheLookup.TryGetValue(key[..length], out var cached))
            {
                cached = EncodePiece(piece);
                _cacheLookup.TryAdd(key[..length], cached);
            }
            ids.AddRange(cached);
        }
    }

    public byte[] Decode(ReadOnlySpan<int> ids)
    {
        var output = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokenBytes.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary 0..{_tokenBytes.Length - 1}");
            output.AddRange(_tokenBytes[id]);
        }
        return [.. output];
    }

    public string DecodeText(ReadOnlySpan<int> ids) => System.Text.Encoding.UTF8.GetString(Decode(ids));

    // Start from one token per byte; repeatedly merge every occurrence of the adjacent pair whose
    // merge was learned earliest. Pieces are short (a word), so the quadratic scan is cheap and obvious.
    private int[] EncodePiece(ReadOnlySpan<byte> piece)
    {
        var tokens = new List<int>(piece.Length);
        foreach (byte b in piece) tokens.Add(_byteToId[b]);
        while (tokens.Count > 1)
        {
            int bestRank = int.MaxValue, bestLeft = 0, bestRight = 0, bestId = 0;
            for (int i = 0; i + 1 < tokens.Count; i++)
            {
                if (_merges.TryGetValue(Pair(tokens[i], tokens[i + 1]), out var m) && m.Rank < bestRank)
                    (bestRank, bestLeft, bestRight, bestId) = (m.Rank, tokens[i], tokens[i + 1], m.Id);
            }
            if (bestRank == int.MaxValue) break;
            int write = 0;
            for (int read = 0; read < tokens.Count; read++, write++)
            {
                bool merge = read + 1 < tokens.Count && tokens[read] == bestLeft && tokens[read + 1] == bestRight;
                tokens[write] = merge ? bestId : tokens[read];
                if (merge) read++;
            }
            tokens.RemoveRange(write, tokens.Count - write);
        }
        return [.. tokens];
    }

    internal static long Pair(int left, int right) => ((long)left << 32) | (uint)right;
}
