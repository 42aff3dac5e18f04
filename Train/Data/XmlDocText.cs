// XmlDocText: turns a C# XML documentation file (the *.xml beside a reference assembly) into
// documents, one per <member>: a code title line, then the summary, remarks, parameters,
// return value, exceptions and examples as plain text. Cross-references are rendered as the
// short names a reader would write (<see cref="T:System.String"/> -> String) and tagged as code;
// whitespace is normalised, code blocks keep their lines.
// It is not a doc-site renderer: no links, no markdown, <seealso> and <inheritdoc> are dropped.
// Follows the C# language specification, annex D "Documentation comments".
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MoeFromScratch.Train.Data;

public static partial class XmlDocText
{
    /// <param name="keepMember">When given, only members whose documentation id it accepts are extracted.</param>
    public static IEnumerable<Document> Extract(XDocument xml, string source, Func<string, bool>? keepMember = null)
    {
        var members = xml.Root?.Element("members")?.Elements("member") ?? [];
        foreach (var member in members)
        {
            if (keepMember is not null && !keepMember(member.Attribute("name")?.Value ?? "")) continue;
            var text = new ChunkBuilder();
            text.Inline(TextKind.Code, Title(member.Attribute("name")?.Value ?? ""));
            foreach (var section in member.Elements()) RenderSection(section, text);
            var chunks = text.Build();
            if (chunks.Count > 1) yield return new Document(source, chunks);  // a title alone teaches nothing
        }
    }

    // One section per line, with a label where the element name carries meaning.
    private static void RenderSection(XElement section, ChunkBuilder text)
    {
        string? name = section.Attribute("name")?.Value;
        string? label = section.Name.LocalName switch
        {
            "summary" or "remarks" => "",
            "param" or "typeparam" => name is null ? null : $"{name}:",
            "returns" => "Returns:",
            "value" => "Value:",
            "exception" => $"Throws {ShortName(section.Attribute("cref")?.Value ?? "Exception")}:",
            "example" => "Example:",
            _ => null,  // seealso, inheritdoc, filterpriority, forInternalUseOnly...
        };
        if (label is null) return;
        text.LineBreak();
        if (label.Length > 0) text.Inline(section.Name.LocalName is "param" or "typeparam" ? TextKind.Code : TextKind.Prose, label + " ");
        RenderChildren(section, text, TextKind.Prose);
    }

    /// <summary>One section (a summary, a parameter, ...) as one line of plain text, rendered as in a document.</summary>
    public static string SectionText(XElement section)
    {
        var text = new ChunkBuilder();
        RenderChildren(section, text, TextKind.Prose);
        return string.Concat(text.Build().Select(c => c.Text)).Trim();
    }

    private static void Render(XNode node, ChunkBuilder text, TextKind kind)
    {
        if (node is XText t) { text.Inline(kind, t.Value); return; }
        if (node is not XElement e) return;  // comments, processing instructions
        switch (e.Name.LocalName)
        {
            case "see" or "seealso" when e.Attribute("cref") is { } cref && e.IsEmpty:
                text.Inline(TextKind.Code, ShortName(cref.Value)); break;
            case "see" when e.Attribute("langword") is { } word:
                text.Inline(TextKind.Code, word.Value); break;
            case "xref" when e.Attribute("uid") is { } uid:
                text.Inline(TextKind.Code, ShortName(uid.Value)); break;
            case "paramref" or "typeparamref":
                text.Inline(TextKind.Code, e.Attribute("name")?.Value ?? ""); break;
            case "c":
                RenderChildren(e, text, TextKind.Code); break;
            case "code" when e.Value.Contains('\n'):
                text.Verbatim(TextKind.Code, e.Value); break;
            case "code":
                RenderChildren(e, text, TextKind.Code); break;
            case "para" or "p" or "list":
                text.ParagraphBreak(); RenderChildren(e, text, kind); text.ParagraphBreak(); break;
            case "br":
                text.LineBreak(); break;
            case "item" or "listheader":
                text.LineBreak(); text.Inline(kind, "- "); RenderChildren(e, text, kind); break;
            case "description" when e.ElementsBeforeSelf().LastOrDefault()?.Name.LocalName == "term":
                text.Inline(kind, ": "); RenderChildren(e, text, kind); break;
            default:  // term, description, a, strong, em, sup, sub, see with inner text...
                RenderChildren(e, text, kind); break;
        }
    }

    private static void RenderChildren(XElement e, ChunkBuilder text, TextKind kind)
    {
        foreach (var child in e.Nodes()) Render(child, text, kind);
    }

    /// <summary>"T:System.String" -> "String"; "M:System.String.Join(System.String,...)" ->
    /// "String.Join"; "M:System.String.#ctor" -> "String"; "T:System.Span`1" -> "Span".</summary>
    public static string ShortName(string cref)
    {
        bool isType = cref.StartsWith("T:", StringComparison.Ordinal);
        string name = cref.Length > 1 && cref[1] == ':' ? cref[2..] : cref;
        bool hasArguments = name.Contains('(');
        name = Arity().Replace(name.Split('(')[0], "");
        var parts = name.Split('.');
        if (parts[^1] == "#ctor" && parts.Length > 1) return parts[^2];
        bool isMember = !isType && (hasArguments || cref.Length > 1 && cref[1] == ':');
        return isMember && parts.Length > 1 ? $"{parts[^2]}.{parts[^1]}" : parts[^1];
    }

    /// <summary>The member's documentation id without its kind prefix, with parameter types
    /// shortened: "M:System.String.Join(System.String,System.String[])" -> "System.String.Join(String, String[])".</summary>
    public static string Title(string memberId)
    {
        string name = memberId.Length > 1 && memberId[1] == ':' ? memberId[2..] : memberId;
        int open = name.IndexOf('(');
        if (open < 0) return name;
        int close = name.LastIndexOf(')');
        string parameters = Namespace().Replace(name[(open + 1)..close], "").Replace(",", ", ");
        return $"{name[..open]}({parameters}){name[(close + 1)..]}";
    }

    [GeneratedRegex(@"`+\d+")]
    private static partial Regex Arity();

    [GeneratedRegex(@"\b(?:\w+\.)+(?=\w)")]
    private static partial Regex Namespace();
}
