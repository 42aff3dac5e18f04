// BpeTrainer: learns byte-level BPE merges from text. Count every pre-token ("word") once, then
// repeatedly merge the most frequent adjacent token pair, weighting each word by its count.
// Efficient because it never recounts: an index from each pair to the words that hold it lets
// a merge touch only those words, and a priority queue (with stale entries skipped on pop)
// yields the next best pair. Ties go to the smaller (left id, right id), so training is
// deterministic. It is not sentencepiece (no unigram model, no character coverage knob) and it
// has no min-frequency cut-off: training stops at the vocabulary size or when no pair is left.
// Follows Sennrich et al. 2016 (BPE for subwords), GPT-2's byte-level variant and the
// incremental counting of HuggingFace tokenizers' `BpeTrainer`.
using System.Runtime.InteropServices;
using System.Text;

namespace MoeFromScratch.Train.Tokenizer;

public static class BpeTrainer
{
    /// <summary>The ids below the merges: 256 bytes; above them sits one special token.</summary>
    public const int ByteTokens = 256;

    /// <summary>Learns merges until the vocabulary (bytes + merges + EndOfText) has
    /// <paramref name="vocabSize"/> tokens, or until no adjacent pair is left.</summary>
    public static BpeTokenizer Train(IEnumerable<string> documents, int vocabSize)
    {
        if (vocabSize < ByteTokens + 1)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), $"vocab size {vocabSize} is below {ByteTokens + 1} (256 bytes + <|endoftext|>)");
        var merges = LearnMerges(CountPieces(documents), vocabSize - ByteTokens - 1);
        return BpeTokenizer.FromMerges(merges);
    }

    /// <summary>How often each pre-token occurs, keyed by its ByteLevel text (one char per byte).
    /// Documents are counted in parallel partitions, then the partial counts are added.</summary>
    public static Dictionary<string, long> CountPieces(IEnumerable<string> documents)
    {
        return documents.AsParallel()
            .Aggregate(() => new Dictionary<string, long>(), CountInto, AddInto, total => total);
    }

    private static Dictionary<string, long> CountInto(Dictionary<string, long> counts, string document)
    {
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        byte[] bytes = Encoding.UTF8.GetBytes(document);
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(bytes, pieces);
        var key = new char[256];
        foreach (var (start, length) in pieces)
        {
            if (key.Length < length) key = new char[length];
            for (int i = 0; i < length; i++) key[i] = ByteLevel.ByteToChar[bytes[start + i]];
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, key.AsSpan(0, length), out _)++;
        }
        return counts;
    }

    private static Dictionary<string, long> AddInto(Dictionary<string, long> into, Dictionary<string, long> from)
    {
        if (into.Count < from.Count) (into, from) = (from, into);
        foreach (var (word, count) in from) CollectionsMarshal.GetValueRefOrAddDefault(into, word, out _) += count;
        return into;
    }

    /// <summary>Learns up to <paramref name="mergeCount"/> merges; merge k creates id 256 + k.</summary>
    public static List<(int Left, int Right)> LearnMerges(IReadOnlyDictionary<string, long> pieceCounts, int mergeCount)
    {
        // Sort words so ids (and thus everything after) do not depend on dictionary order.
        var entries = pieceCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        var words = new Words(entries);
        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();  // pair -> words that (may) hold it
        for (int w = 0; w < words.Count; w++) CountPairs(words, w, +1, pairCounts, pairWords);

        var queue = new PriorityQueue<long, (long Count, long Pair)>(pairCounts.Count, MostFrequentFirst);
        foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (count, pair));

        var merges = new List<(int, int)>(mergeCount);
        var delta = new Dictionary<long, long>();
        while (merges.Count < mergeCount && queue.TryDequeue(out long best, out var queued))
        {
            if (!pairCounts.TryGetValue(best, out long current) || current != queued.Count) continue;  // stale
            int left = (int)(best >> 32), right = (int)best, merged = ByteTokens + merges.Count;
            merges.Add((left, right));
            // Take each affected word's pairs out, merge, put its pairs back; the difference is the update.
            foreach (int w in pairWords[best])
            {
                CountPairs(words, w, -1, delta, null);
                words.Merge(w, left, right, merged);
                CountPairs(words, w, +1, delta, pairWords);
            }
            pairWords.Remove(best);
            foreach (var (pair, change) in delta)
            {
                if (change == 0) continue;
                long count = CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += change;
                if (count > 0) queue.Enqueue(pair, (count, pair));
                else pairCounts.Remove(pair);
            }
            delta.Clear();
        }
        return merges;
    }

    private static readonly Comparer<(long Count, long Pair)> MostFrequentFirst = Comparer<(long Count, long Pair)>.Create(
        (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Pair.CompareTo(b.Pair));

    // Adds sign × (word count) for every adjacent pair of word w; records w under each pair when asked.
    private static void CountPairs(Words words, int w, int sign, Dictionary<long, long> counts, Dictionary<long, HashSet<int>>? pairWords)
    {
        var symbols = words.Symbols(w);
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            long pair = BpeTokenizer.Pair(symbols[i], symbols[i + 1]);
            CollectionsMarshal.GetValueRefOrAddDefault(counts, pair, out _) += sign * words.Frequency[w];
            if (pairWords is not null)
            {
                ref var set = ref CollectionsMarshal.GetValueRefOrAddDefault(pairWords, pair, out _);
                (set ??= []).Add(w);
            }
        }
    }

    // Each distinct pre-token as a shrinking array of token ids, plus how often it occurs.
    private sealed class Words
    {
        private readonly int[][] _symbols;
        private readonly int[] _lengths;
        public readonly long[] Frequency;
        public int Count => _symbols.Length;

        public Words(KeyValuePair<string, long>[] entries)
        {
            _symbols = new int[entries.Length][];
            _lengths = new int[entries.Length];
            Frequency = new long[entries.Length];
            for (int w = 0; w < entries.Length; w++)
            {
                ByteLevel.TryToBytes(entries[w].Key, out byte[] bytes);
                _symbols[w] = Array.ConvertAll(bytes, b => (int)b);
                _lengths[w] = bytes.Length;
                Frequency[w] = entries[w].Value;
            }
        }

        public ReadOnlySpan<int> Symbols(int w) => _symbols[w].AsSpan(0, _lengths[w]);

        public void Merge(int w, int left, int right, int merged)
        {
            int[] s = _symbols[w];
            int length = _lengths[w], write = 0;
            for (int read = 0; read < length; read++, write++)
            {
                bool merge = read + 1 < length && s[read] == left && s[read + 1] == right;
                s[write] = merge ? merged : s[read];
                if (merge) read++;
            }
            _lengths[w] = write;
        }
    }
}
