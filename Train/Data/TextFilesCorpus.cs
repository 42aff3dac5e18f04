// TextFilesCorpus: the `--data PATH` corpus: one text file, or every text file under a folder
// (recursively, ordinal path order, hidden folders, bin/obj and symbolic links skipped). Each file's kind comes
// from its extension (.cs -> code, .xml -> markup, .md -> prose). Large files are cut at line
// breaks into documents of at most MaxDocumentChars, so even a single big file yields enough
// documents for a validation split.
// It is not a format converter: files are read as UTF-8 (invalid sequences become U+FFFD) and
// used as they are; a file holding NUL bytes is refused as binary.
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Data;

public static class TextFilesCorpus
{
    public const int MaxDocumentChars = 16_384;

    /// <summary>Extensions read from a folder, with the kind of text each holds. A file named
    /// directly is read whatever its extension.</summary>
    public static readonly IReadOnlyDictionary<string, TextKind> Extensions = new Dictionary<string, TextKind>(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = TextKind.Prose,
        [".md"] = TextKind.Prose,
        [".rst"] = TextKind.Prose,
        [".cs"] = TextKind.Code,
        [".fs"] = TextKind.Code,
        [".py"] = TextKind.Code,
        [".c"] = TextKind.Code,
        [".h"] = TextKind.Code,
        [".cpp"] = TextKind.Code,
        [".rs"] = TextKind.Code,
        [".go"] = TextKind.Code,
        [".java"] = TextKind.Code,
        [".js"] = TextKind.Code,
        [".ts"] = TextKind.Code,
        [".glsl"] = TextKind.Code,
        [".comp"] = TextKind.Code,
        [".sh"] = TextKind.Code,
        [".xml"] = TextKind.Markup,
        [".html"] = TextKind.Markup,
        [".htm"] = TextKind.Markup,
        [".json"] = TextKind.Markup,
        [".csproj"] = TextKind.Markup,
        [".props"] = TextKind.Markup,
        [".yml"] = TextKind.Markup,
        [".yaml"] = TextKind.Markup,
    };

    public static Corpus Load(string path)
    {
        string full = Path.GetFullPath(path);
        string[] files;
        if (File.Exists(full)) files = [full];
        else if (Directory.Exists(full)) files = UserFiles.Read(path, UserErrorKind.Data, () => FindFiles(full));
        else throw new DataException($"--data {path}: no such file or folder");
        if (files.Length == 0)
            throw new DataException($"--data {path}: the folder holds no text files ({string.Join(", ", Extensions.Keys)})");

        var documents = new List<Document>();
        long bytes = 0;
        foreach (string file in files)
        {
            byte[] content = Read(file);
            bytes += content.Length;
            string source = files.Length == 1 ? Path.GetFileName(file) : Path.GetRelativePath(full, file);
            var kind = Extensions.GetValueOrDefault(Path.GetExtension(file), TextKind.Prose);
            foreach (string piece in Cut(System.Text.Encoding.UTF8.GetString(content)))
                documents.Add(new Document(source, [new TextChunk(kind, piece)]));
        }
        if (documents.Count == 0) throw new DataException($"--data {path}: every file is empty or blank");
        return new Corpus("data-" + Path.GetFileNameWithoutExtension(full.TrimEnd(Path.DirectorySeparatorChar)), full, files.Length, bytes, documents);
    }

    private static string[] FindFiles(string folder)
    {
        // Symbolic links are not followed: a link back up the tree would make the walk endless.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => Extensions.ContainsKey(Path.GetExtension(f)))
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj" || d.StartsWith('.')))
            .Order(StringComparer.Ordinal).ToArray();
    }

    // A FIFO or device is refused unopened; one file is at most what a corpus in memory can be.
    private static readonly RegularFile.Kind FileKind = new(UserErrorKind.Data, "a text file of at most 1 GiB", RegularFile.GiB, m => new DataException(m));

    private static byte[] Read(string file)
    {
        byte[] content = RegularFile.ReadAllBytes(file, FileKind);
        int nul = Array.IndexOf(content, (byte)0);
        if (nul >= 0) throw new DataException($"{file}: looks binary (a NUL byte at offset {nul}); expected a text file");
        return content;
    }

    // Cut at the last line break before the limit (or hard at the limit when a line is longer);
    // blank pieces are dropped. Line endings are kept, so the pieces concatenate to the file.
    private static IEnumerable<string> Cut(string text)
    {
        for (int start = 0; start < text.Length;)
        {
            int length = Math.Min(MaxDocumentChars, text.Length - start);
            if (start + length < text.Length)
            {
                int newline = text.LastIndexOf('\n', start + length - 1, length);
                if (newline > start) length = newline + 1 - start;
                else if (char.IsHighSurrogate(text[start + length - 1])) length--;  // never split a pair
            }
            string piece = text.Substring(start, length);
            if (!string.IsNullOrWhiteSpace(piece)) yield return piece;
            start += length;
        }
    }
}
