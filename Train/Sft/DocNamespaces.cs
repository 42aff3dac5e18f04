// DocNamespaces: the namespace of every documented member, from the documentation ids alone, and
// the rule that holds whole namespaces out of fine-tuning (and, on request, out of pretraining).
// A member's type is its id's name without the last part ("M:System.String.Trim" -> System.String);
// a type's namespace is its name with every enclosing documented type removed
// ("T:System.Environment.SpecialFolder" -> System), so nested types stay with their outer type.
// Held out: the namespaces whose SHA-256 starts with a byte below 256/HeldOutOneIn — about one in
// ten, decided by the name alone, so the choice is the same on every machine and every SDK version.
// It is not a C# name resolver: an undocumented enclosing type counts as part of the namespace.
using System.Security.Cryptography;
using System.Text;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Sft;

public sealed class DocNamespaces
{
    public const int HeldOutOneIn = 10;

    private readonly HashSet<string> _types;

    /// <param name="memberIds">Every documentation id of the corpus ("T:...", "M:...", ...).</param>
    public DocNamespaces(IEnumerable<string> memberIds) =>
        _types = memberIds.Where(id => id.StartsWith("T:", StringComparison.Ordinal)).Select(id => id[2..]).ToHashSet(StringComparer.Ordinal);

    /// <summary>The namespaces of every member documented in a folder of *.xml files.</summary>
    public static DocNamespaces FromFolder(string folder) => new(DefaultCorpus.XmlFiles(folder).AsParallel()
        .SelectMany(f => DocQuestions.Members(DefaultCorpus.ReadXml(f)).Select(m => m.Id)).ToList());

    /// <summary>Whether pretraining with --hold-out-sft reads the member: not when its namespace is held out.</summary>
    public bool KeepsForPretraining(string memberId) => !IsHeldOut(memberId);

    /// <summary>"M:System.String.Trim(System.Char[])" -> "System".</summary>
    public string Of(string memberId)
    {
        string name = memberId.Length > 1 && memberId[1] == ':' ? memberId[2..] : memberId;
        name = name.Split('(')[0];
        string type = memberId.StartsWith("T:", StringComparison.Ordinal) ? name : Parent(name);
        while (_types.Contains(Parent(type)) && Parent(type).Length > 0) type = Parent(type);
        return Parent(type);
    }

    public bool IsHeldOut(string memberId) => IsHeldOutNamespace(Of(memberId));

    public static bool IsHeldOutNamespace(string ns) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(ns))[0] < 256 / HeldOutOneIn;

    private static string Parent(string dotted)
    {
        int dot = dotted.LastIndexOf('.');
        return dot < 0 ? "" : dotted[..dot];
    }
}
