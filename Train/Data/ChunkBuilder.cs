// ChunkBuilder: assembles a document's text from many small pieces (XML text nodes, rendered
// cross-references, code blocks) into kind-tagged chunks with tidy whitespace: inline runs of
// whitespace become one space, lines never start or end with a space, at most one blank line
// in a row. Verbatim pieces (code blocks) keep their line breaks and indentation.
// It is not a pretty-printer: no wrapping, no markdown.
using System.Text;

namespace MoeFromScratch.Train.Data;

public sealed class ChunkBuilder
{
    private readonly List<TextChunk> _chunks = [];
    private readonly StringBuilder _current = new();
    private TextKind _kind = TextKind.Prose;
    private bool _pendingSpace;
    private int _pendingNewlines;

    /// <summary>Inline text: whitespace runs collapse to one space.</summary>
    public void Inline(TextKind kind, string text)
    {
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c)) { _pendingSpace = true; continue; }
            Put(kind, c);
        }
    }

    /// <summary>Text whose line breaks matter (a code block): leading/trailing blank lines and
    /// trailing spaces are dropped, everything else is kept.</summary>
    public void Verbatim(TextKind kind, string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) return;
        LineBreak();
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0) _pendingNewlines = Math.Max(_pendingNewlines, 1);
            if (lines[i].Length == 0) { _pendingNewlines = 2; continue; }
            _pendingSpace = false;
            foreach (char c in lines[i]) Put(kind, c, keepSpaces: true);
        }
        LineBreak();
    }

    public void LineBreak() => _pendingNewlines = Math.Max(_pendingNewlines, 1);

    public void ParagraphBreak() => _pendingNewlines = 2;

    public IReadOnlyList<TextChunk> Build()
    {
        Flush();
        return [.. _chunks];
    }

    // Pending whitespace is written only before the next visible character, so nothing dangles at
    // the end of a line or of the document; it belongs to the chunk of the text before it.
    private void Put(TextKind kind, char c, bool keepSpaces = false)
    {
        if (_current.Length > 0 || _chunks.Count > 0)
        {
            if (_pendingNewlines > 0) _current.Append('\n', _pendingNewlines);
            else if (_pendingSpace) _current.Append(' ');
        }
        _pendingNewlines = 0;
        _pendingSpace = false;
        if (kind != _kind) { Flush(); _kind = kind; }
        _current.Append(keepSpaces || !char.IsWhiteSpace(c) ? c : ' ');
    }

    private void Flush()
    {
        if (_current.Length == 0) return;
        _chunks.Add(new TextChunk(_kind, _current.ToString()));
        _current.Clear();
    }
}
