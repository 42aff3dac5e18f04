// The built-in instruction pairs: the four kinds from one documented member, the namespace of
// members and nested types, and the held-out split on real SDK documentation files — disjoint by
// namespace from the fine-tuning pairs and, with --hold-out-sft's filter, from pretraining.
using System.Xml.Linq;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Sft;

namespace MoeFromScratch.PropertyTests.Sft;

public sealed class DocQuestionsTests
{
    private const string Xml = """
        <doc><members>
          <member name="T:System.Text.Widget"><summary>A widget.</summary></member>
          <member name="T:System.Text.Widget.Part"><summary>A part of a <see cref="T:System.Text.Widget"/>.</summary></member>
          <member name="M:System.Text.Widget.Split(System.Char[],System.Int32)">
            <summary>Splits the widget.</summary>
            <param name="separator">The characters to split at.</param>
            <param name="count">How many   parts.</param>
            <returns>The <c>parts</c>.</returns>
            <exception cref="T:System.ArgumentNullException"><paramref name="separator"/> is null.</exception>
            <exception cref="T:System.ArgumentNullException">Or the widget is.</exception>
            <exception cref="T:System.ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
          </member>
          <member name="P:System.Text.Widget.Part.Size"><summary>The size.</summary><returns></returns></member>
        </members></doc>
        """;

    public static List<Conversation> TinyPairs()
    {
        var members = DocQuestions.Members(XDocument.Parse(Xml, LoadOptions.PreserveWhitespace)).ToList();
        var namespaces = new DocNamespaces(members.Select(m => m.Id));
        return members.SelectMany(m => DocQuestions.Pairs(m.Id, m.Element, namespaces.Of(m.Id))).ToList();
    }

    [Fact]
    public void One_member_gives_a_pair_of_each_kind_with_its_rendered_text()
    {
        var pairs = TinyPairs().Select(p => (p.Origin!.Kind, p.Question, p.Answer, p.Origin.LookupKey)).ToList();
        const string split = "System.Text.Widget.Split(Char[], Int32)";
        Assert.Equal([
            (QuestionKind.Summary, "What is System.Text.Widget?", "A widget.", "Summary Widget"),
            (QuestionKind.Summary, "What is System.Text.Widget.Part?", "A part of a Widget.", "Summary Part"),
            (QuestionKind.Summary, $"What does {split} do?", "Splits the widget.", "Summary Split"),
            (QuestionKind.Parameter, $"In {split}, what is the parameter separator?", "The characters to split at.", "Parameter Split separator"),
            (QuestionKind.Parameter, $"In {split}, what is the parameter count?", "How many parts.", "Parameter Split count"),
            (QuestionKind.Returns, $"What does {split} return?", "The parts.", "Returns Split"),
            (QuestionKind.Exception, $"When does {split} throw ArgumentNullException?", "separator is null. Or the widget is.", "Exception Split ArgumentNullException"),
            (QuestionKind.Exception, $"When does {split} throw ArgumentOutOfRangeException?", "count is negative.", "Exception Split ArgumentOutOfRangeException"),
            (QuestionKind.Summary, "What is System.Text.Widget.Part.Size?", "The size.", "Summary Size"),   // the empty <returns> gives none
        ], pairs);
    }

    [Fact]
    public void Nested_types_and_their_members_belong_to_the_namespace_of_the_outer_type()
    {
        Assert.All(TinyPairs(), p => Assert.Equal("System.Text", p.Origin!.Namespace));
        var namespaces = new DocNamespaces(["T:System.Environment", "T:System.Environment.SpecialFolder", "T:System.Linq.Enumerable"]);
        Assert.Equal("System", namespaces.Of("F:System.Environment.SpecialFolder.Desktop"));
        Assert.Equal("System", namespaces.Of("T:System.Environment.SpecialFolder"));
        Assert.Equal("System.Linq", namespaces.Of("M:System.Linq.Enumerable.Select``2(System.Collections.Generic.IEnumerable{``0},System.Func{``0,``1})"));
    }

    [Fact]
    public void Held_out_namespaces_are_in_neither_fine_tuning_nor_filtered_pretraining()
    {
        // a sample of the real documentation: the smallest files that together hold both kinds of namespace
        string docs = DefaultCorpus.DocsFolder();
        string folder = Directory.CreateTempSubdirectory("moe-sft-split-").FullName;
        try
        {
            foreach (var file in DefaultCorpus.XmlFiles(docs).OrderBy(f => new FileInfo(f).Length).Take(40))
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            var set = InstructionSet.FromPairs(InstructionSet.Builtin, DocQuestions.FromFolder(folder));
            Assert.NotEmpty(set.HeldOut);
            Assert.NotEmpty(set.Training);
            var heldOut = set.HeldOut.Select(c => c.Origin!.Namespace).ToHashSet();
            Assert.DoesNotContain(set.Training, c => heldOut.Contains(c.Origin!.Namespace));
            Assert.All(set.HeldOut, c => Assert.True(DocNamespaces.IsHeldOutNamespace(c.Origin!.Namespace)));

            // pretraining: every held-out member's document is in the whole corpus and absent from the filtered one
            var namespaces = DocNamespaces.FromFolder(folder);
            var titles = set.HeldOut.Select(c => XmlDocText.Title(c.Origin!.MemberId)).ToHashSet();
            string Title(Document d) => d.Chunks[0].Text.Split('\n')[0];
            Assert.Contains(DefaultCorpus.FromFolder(folder).Documents, d => titles.Contains(Title(d)));
            var filtered = DefaultCorpus.FromFolder(folder, namespaces.KeepsForPretraining);
            Assert.DoesNotContain(filtered.Documents, d => titles.Contains(Title(d)));
            Assert.Contains(filtered.Documents, d => set.Training.Any(c => XmlDocText.Title(c.Origin!.MemberId) == Title(d)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
