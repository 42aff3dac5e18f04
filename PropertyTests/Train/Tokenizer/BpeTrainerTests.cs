// Tests of the incremental BPE trainer against the obvious one: recount every pair over every
// word before each merge (quadratic, but clearly right). Both break ties towards the smaller
// (left, right) pair, so their merge lists must be identical.
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train.Tokenizer;

public class BpeTrainerTests
{
    [Fact]
    public void IncrementalTrainerMatchesRecountingOracle()
    {
        var counts = BpeTrainer.CountPieces(SampleText.Documents);
        Assert.Equal(NaiveMerges(counts, 150), BpeTrainer.LearnMerges(counts, 150));
    }

    // Tiny alphabets make many overlapping pairs ("aaaa"), the case incremental updates get wrong.
    [Property(MaxTest = 100)]
    public bool MatchesOracleOnRepetitiveText(NonEmptyArray<byte> letters, PositiveInt merges)
    {
        string text = new(letters.Get.Select(b => "ab "[b % 3]).ToArray());
        var counts = BpeTrainer.CountPieces([text]);
        int n = merges.Get % 20;
        return NaiveMerges(counts, n).SequenceEqual(BpeTrainer.LearnMerges(counts, n));
    }

    [Fact]
    public void TrainingIsDeterministic()
    {
        var a = BpeTrainer.Train(SampleText.Documents, 300);
        var b = BpeTrainer.Train(SampleText.Documents, 300);
        Assert.Equal(a.Merges, b.Merges);
    }

    [Fact]
    public void StopsWhenNoPairIsLeft()
    {
        var tokenizer = BpeTrainer.Train(["ab"], 1000);
        Assert.Single(tokenizer.Merges);
        Assert.Equal(256 + 1 + 1, tokenizer.VocabSize);
    }

    private static List<(int, int)> NaiveMerges(IReadOnlyDictionary<string, long> counts, int mergeCount)
    {
        var words = counts.Select(kv => (Symbols: kv.Key.Select(c => { ByteLevel.TryToBytes(c.ToString(), out var b); return (int)b[0]; }).ToList(), Count: kv.Value)).ToList();
        var merges = new List<(int, int)>();
        while (merges.Count < mergeCount)
        {
            var pairs = new Dictionary<(int, int), long>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0) break;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First().Key;
            int merged = 256 + merges.Count;
            merges.Add(best);
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2) { symbols[i] = merged; symbols.RemoveAt(i + 1); }
        }
        return merges;
    }
}
