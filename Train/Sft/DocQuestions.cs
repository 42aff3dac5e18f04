// DocQuestions: the built-in instruction data — question/answer pairs derived, deterministically,
// from the SDK's XML documentation that the default pretraining corpus reads (Data/DefaultCorpus):
//   Summary    "What does System.String.Trim do?"                → its <summary>
//              ("What is X?" for types, properties, fields)
//   Parameter  "In System.String.Split(Char[]), what is the parameter separator?" → its <param>
//   Returns    "What does System.String.Trim return?"            → its <returns>
//   Exception  "When does System.String.Split(Char[]) throw ArgumentNullException?" → its <exception>
// Answers are the sections rendered as the pretraining documents render them (XmlDocText), one line.
// Members are named as the pretraining documents' title lines name them (XmlDocText.Title); an
// overload without parameters is named without parentheses. Pairs come in file and member order.
// It is not a question generator: no paraphrases, and empty or missing sections give no pair.
using System.Xml.Linq;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Sft;

public static class DocQuestions
{
    /// <summary>Every pair of the documentation files in <paramref name="folder"/>, in file and member order.</summary>
    public static List<Conversation> FromFolder(string folder)
    {
        var files = DefaultCorpus.XmlFiles(folder).AsParallel().AsOrdered().Select(DefaultCorpus.ReadXml).ToList();
        var members = files.SelectMany(Members).ToList();
        var namespaces = new DocNamespaces(members.Select(m => m.Id));
        return members.SelectMany(m => Pairs(m.Id, m.Element, namespaces.Of(m.Id))).ToList();
    }

    public static IEnumerable<(string Id, XElement Element)> Members(XDocument xml) =>
        (xml.Root?.Element("members")?.Elements("member") ?? [])
            .Select(m => (Id: m.Attribute("name")?.Value ?? "", Element: m))
            .Where(m => m.Id.Length > 2 && m.Id[1] == ':');

    /// <summary>The pairs one member's documentation gives.</summary>
    public static IEnumerable<Conversation> Pairs(string memberId, XElement member, string ns)
    {
        string title = XmlDocText.Title(memberId);
        string shortName = title.Split('(')[0].Split('.')[^1];
        char kind = memberId[0];
        Conversation Pair(QuestionKind k, string question, XElement section, string key) =>
            Conversation.Pair(question, XmlDocText.SectionText(section), new PairOrigin(memberId, ns, k, $"{k} {shortName}{key}"));

        var pairs = new List<Conversation>();
        if (member.Element("summary") is { } summary)
            pairs.Add(Pair(QuestionKind.Summary, kind is 'M' or 'E' ? $"What does {title} do?" : $"What is {title}?", summary, ""));
        foreach (var param in member.Elements("param"))
        {
            if (param.Attribute("name")?.Value is { Length: > 0 } name)
                pairs.Add(Pair(QuestionKind.Parameter, $"In {title}, what is the parameter {name}?", param, " " + name));
        }
        if (member.Element("returns") is { } returns)
            pairs.Add(Pair(QuestionKind.Returns, $"What does {title} return?", returns, ""));
        // one pair per exception type: a type listed twice (two conditions) gives one answer, both joined
        foreach (var thrown in member.Elements("exception").GroupBy(e => XmlDocText.ShortName(e.Attribute("cref")?.Value ?? "Exception")))
        {
            var joined = new XElement("exception", thrown.SelectMany(e => e.Nodes().Append(new XText(" "))));
            pairs.Add(Pair(QuestionKind.Exception, $"When does {title} throw {thrown.Key}?", joined, " " + thrown.Key));
        }
        return pairs.Where(p => p.Answer.Length > 0);
    }
}
