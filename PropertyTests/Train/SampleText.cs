// SampleText: a few kilobytes of mixed English and C#, the training text for tokenizer tests.
// Small on purpose: a 300-token vocabulary trains on it in milliseconds, so tests stay fast.
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train;

public static class SampleText
{
    private const string Prose =
        "The quick brown fox jumps over the lazy dog. A tokenizer learns which bytes appear together, " +
        "and the merges it learns make the text shorter. Initializes a new instance of the String class. " +
        "Returns the number of elements in the collection; throws when the collection is null.\n";

    private const string Code =
        "public static int Count<T>(this IEnumerable<T> source) { int n = 0; foreach (var _ in source) n++; return n; }\n" +
        "for (int i = 0; i < 10; i++) Console.WriteLine($\"step {i}: loss {loss:F3}\");\n";

    /// <summary>Forty variations of the two paragraphs (numbers change, so digits are seen too).</summary>
    public static IReadOnlyList<string> Documents { get; } =
        Enumerable.Range(0, 40).Select(i => $"{Prose}Item {i} of {40 - i}.\n{Code.Replace("10", (i * 7).ToString())}").ToList();

    public static string All => string.Concat(Documents);

    /// <summary>A 400-token tokenizer trained once on Documents and shared by the tests.</summary>
    public static BpeTokenizer Tokenizer => LazyTokenizer.Value;

    private static readonly Lazy<BpeTokenizer> LazyTokenizer = new(() => BpeTrainer.Train(Documents, 400));
}
