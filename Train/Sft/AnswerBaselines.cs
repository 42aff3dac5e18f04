// AnswerBaselines: the answers a model must beat to show it learned more than the data's surface,
// all computed from the training pairs only:
//   most common   the most frequent training answer of the question's kind (over all, without kinds)
//   frequent words  the training answers' most frequent words, as many as the median answer has
//   lookup        the answer of a training pair with the same kind and short name (and parameter or
//                 exception): "Trim" of another type; the most common answer when there is none
// The lookup is strong on documentation (members of the same name often share their text); a
// tiny model may not beat it, and the report says so rather than hiding it.
namespace MoeFromScratch.Train.Sft;

public sealed class AnswerBaselines
{
    private readonly Dictionary<string, string> _mostCommon;   // kind (or "") -> answer
    private readonly Dictionary<string, string> _lookup;       // lookup key -> first training answer
    private readonly string _frequentWords;

    public static readonly string[] Names = ["most common answer", "most frequent words", "same-name lookup"];

    public AnswerBaselines(IReadOnlyList<Conversation> training)
    {
        _mostCommon = training.GroupBy(KindOf)
            .ToDictionary(g => g.Key, g => g.GroupBy(c => c.Answer).OrderByDescending(a => a.Count()).ThenBy(a => a.Key, StringComparer.Ordinal).First().Key);
        _lookup = new Dictionary<string, string>();
        foreach (var c in training)
            if (c.Origin is { } origin) _lookup.TryAdd(origin.LookupKey, c.Answer);
        var words = training.Select(c => AnswerScores.Words(c.Answer)).ToList();
        int median = words.Select(w => w.Length).Order().ElementAtOrDefault(words.Count / 2);
        _frequentWords = string.Join(' ', words.SelectMany(w => w).GroupBy(w => w)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(Math.Max(1, median)).Select(g => g.Key));
    }

    /// <summary>The three baseline answers to a held-out question, in <see cref="Names"/> order.</summary>
    public string[] Answers(Conversation question)
    {
        string common = _mostCommon.GetValueOrDefault(KindOf(question)) ?? _mostCommon.Values.First();
        string lookup = question.Origin is { } origin && _lookup.TryGetValue(origin.LookupKey, out var found) ? found : common;
        return [common, _frequentWords, lookup];
    }

    private static string KindOf(Conversation c) => c.Origin?.Kind.ToString() ?? "";
}
