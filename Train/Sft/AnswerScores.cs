// AnswerScores: how close a generated answer is to the reference — exact match after whitespace
// normalisation, and ROUGE-L F1 (Lin 2004: the longest common subsequence of words, as the F-measure
// of its precision and recall; β = 1) over lower-cased words (runs of letters and digits).
// It is not a tokenizer-level metric: it compares what a reader sees.
using System.Text.RegularExpressions;

namespace MoeFromScratch.Train.Sft;

public static partial class AnswerScores
{
    public static bool ExactMatch(string generated, string reference) => Normalize(generated) == Normalize(reference);

    public static double RougeL(string generated, string reference)
    {
        var a = Words(generated);
        var b = Words(reference);
        if (a.Length == 0 || b.Length == 0) return a.Length == b.Length ? 1 : 0;
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                lcs[i, j] = a[i - 1] == b[j - 1] ? lcs[i - 1, j - 1] + 1 : Math.Max(lcs[i - 1, j], lcs[i, j - 1]);
        double common = lcs[a.Length, b.Length];
        if (common == 0) return 0;
        double precision = common / a.Length, recall = common / b.Length;
        return 2 * precision * recall / (precision + recall);
    }

    public static string[] Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
