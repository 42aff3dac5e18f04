// InstructionSet: the fine-tuning examples split into training and held-out, with what the run
// prints about them. The built-in set is DocQuestions' pairs; held out are the pairs of whole
// namespaces (DocNamespaces.IsHeldOutNamespace, about one in ten), because the same summary often
// appears verbatim under other members of a namespace: holding out single members would test
// recall of a sentence seen in training. A user's --data file (JsonlConversations) is split the way
// the pretraining corpus is, every HeldOutStride-th conversation (there are no namespaces to go by).
// It is not cached: deriving the built-in pairs takes seconds.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Sft;

public sealed record InstructionSet(string Name, IReadOnlyList<Conversation> Training, IReadOnlyList<Conversation> HeldOut)
{
    public const string Builtin = "builtin";
    public const int HeldOutStride = 10;

    /// <summary>--data: "builtin" (or null) for the documentation pairs, else a JSONL file.</summary>
    public static InstructionSet Load(string? data) =>
        data is null or Builtin ? FromPairs(Builtin, DocQuestions.FromFolder(DefaultCorpus.DocsFolder())) : FromFile(data);

    public static InstructionSet FromPairs(string name, IReadOnlyList<Conversation> pairs) => new(name,
        pairs.Where(p => !DocNamespaces.IsHeldOutNamespace(p.Origin!.Namespace)).ToList(),
        pairs.Where(p => DocNamespaces.IsHeldOutNamespace(p.Origin!.Namespace)).ToList());

    public static InstructionSet FromFile(string path)
    {
        var all = JsonlConversations.Read(path);
        if (all.Count < 2) throw new DataException($"{path}: {all.Count} conversation(s); need at least 2 to hold one out");
        bool heldOut(int i) => all.Count < HeldOutStride ? i == all.Count - 1 : i % HeldOutStride == HeldOutStride - 1;
        return new(path, all.Where((_, i) => !heldOut(i)).ToList(), all.Where((_, i) => heldOut(i)).ToList());
    }

    /// <summary>"12,345 training + 1,234 held-out pairs (summary 50%, ...)"; the kinds only for built-in pairs.</summary>
    public string Describe()
    {
        var all = Training.Concat(HeldOut).ToList();
        string kinds = all.All(c => c.Origin is not null)
            ? " — " + string.Join(", ", Enum.GetValues<QuestionKind>().Select(k => $"{k.ToString().ToLowerInvariant()} {all.Count(c => c.Origin!.Kind == k):N0}"))
              + $"; held out: {HeldOut.Select(c => c.Origin!.Namespace).Distinct().Count():N0} of {all.Select(c => c.Origin!.Namespace).Distinct().Count():N0} namespaces"
            : "";
        return $"{Name}: {Training.Count:N0} training + {HeldOut.Count:N0} held-out conversations{kinds}";
    }
}
