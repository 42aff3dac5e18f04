// Tests of XML documentation extraction on a tiny hand-written file: sections become labelled
// lines, cross-references become short names tagged as code, whitespace is normalised and code
// blocks keep their lines.
using System.Xml.Linq;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Train.Data;

public class XmlDocTextTests
{
    private const string Xml = """
        <?xml version="1.0" encoding="utf-8"?>
        <doc>
          <assembly><name>Tiny</name></assembly>
          <members>
            <member name="M:Tiny.Box.Put(System.String,System.Int32)">
              <summary>Puts a <see cref="T:System.String" /> into the
                 box, <see langword="null" /> allowed.</summary>
              <param name="text">The <paramref name="text" /> to store.</param>
              <returns>The new <see cref="P:Tiny.Box.Count" />.</returns>
              <exception cref="T:System.ArgumentException"><paramref name="count" /> is negative.</exception>
              <example><code>var box = new Box();
          box.Put("a", 1);</code></example>
            </member>
            <member name="T:Tiny.Empty">
              <seealso cref="T:Tiny.Box" />
            </member>
          </members>
        </doc>
        """;

    private static IReadOnlyList<Document> Documents => XmlDocText.Extract(XDocument.Parse(Xml, LoadOptions.PreserveWhitespace), "Tiny.xml").ToList();

    [Fact]
    public void ExtractsOneDocumentPerDocumentedMember()
    {
        var document = Assert.Single(Documents);  // Tiny.Empty has only a <seealso>: nothing to learn from
        Assert.Equal("Tiny.xml", document.Source);
        Assert.Equal(
            "Tiny.Box.Put(String, Int32)\n" +
            "Puts a String into the box, null allowed.\n" +
            "text: The text to store.\n" +
            "Returns: The new Box.Count.\n" +
            "Throws ArgumentException: count is negative.\n" +
            "Example:\n" +
            "var box = new Box();\n" +
            "  box.Put(\"a\", 1);",
            document.Text);
    }

    [Fact]
    public void TagsReferencesAndCodeAsCode()
    {
        var chunks = Documents[0].Chunks;
        Assert.Contains(chunks, c => c.Kind == TextKind.Code && c.Text.Trim() == "String");  // spaces stay with the text before them
        Assert.Contains(chunks, c => c.Kind == TextKind.Code && c.Text.Contains("box.Put(\"a\", 1);"));
        Assert.Contains(chunks, c => c.Kind == TextKind.Prose && c.Text.Contains("into the box,"));
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.NotEqual(pair.First.Kind, pair.Second.Kind));  // adjacent chunks merged
    }

    [Theory]
    [InlineData("T:System.String", "String")]
    [InlineData("T:System.Collections.Generic.List`1", "List")]
    [InlineData("M:System.String.Join(System.String,System.String[])", "String.Join")]
    [InlineData("M:System.String.#ctor(System.Char[])", "String")]
    [InlineData("P:System.Array.Length", "Array.Length")]
    [InlineData("System.IO.Stream.ReadAsync(System.Byte[],System.Int32,System.Int32)", "Stream.ReadAsync")]
    [InlineData("System.Diagnostics.Activity", "Activity")]
    public void ShortNames(string cref, string expected) => Assert.Equal(expected, XmlDocText.ShortName(cref));
}
