// Fuzz of `--data PATH` (TextFilesCorpus.Load): small generated trees of text, blank, empty,
// binary and invalid-UTF-8 files, skipped folders (hidden, bin), folders with text extensions,
// dangling and looping symlinks, and a target that is the tree, one entry, or missing. A corpus
// that loads must hold only non-blank documents within the size limit. (Unreadable files cannot be
// made as root; a folder where a file is expected takes the same path through UserFiles.Read.)
using System.Text;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class DataPathFuzzTests(ITestOutputHelper output) : FuzzFolderTests
{
    private static readonly string[] Names = ["a.txt", "b.cs", "c.md", "d.bin", "e", ".hidden/f.txt", "bin/g.cs", "sub/h.txt", "sub/deep/i.xml"];


    [Fact]
    public void Every_data_path_loads_consistently_or_is_refused_in_one_line()
    {
        int next = 0;
        var gen = Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, int.MaxValue));
        var report = Fuzz.Run("data path", gen, c =>
        {
            string root = Folder.File($"case{next++}");
            var random = new Random(c.Item2);
            var entries = Enumerable.Range(0, random.Next(c.Item1 + 1)).Select(_ => MakeEntry(root, random)).ToList();
            Directory.CreateDirectory(root);
            string target = random.Next(4) switch
            {
                0 when entries.Count > 0 => entries[random.Next(entries.Count)],
                1 => Path.Combine(root, "missing"),
                _ => root,
            };
            return new FuzzInput(root, entries.Sum(e => File.Exists(e) ? new FileInfo(e).Length : 0), () =>
            {
                try { Check(TextFilesCorpus.Load(target)); }
                finally { Directory.Delete(root, recursive: true); }
            });
        });
        output.WriteLine(report.ToString());
    }

    private static string MakeEntry(string root, Random random)
    {
        string path = Path.Combine(root, Names[random.Next(Names.Length)]);
        if (Path.Exists(path) || File.Exists(Path.GetDirectoryName(path))) return path;   // drawn twice: keep the first
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (random.Next(9))
        {
            case 0: File.WriteAllText(path, "some text\nmore text\n"); break;
            case 1: File.WriteAllText(path, " \n\t\n"); break;
            case 2: File.WriteAllBytes(path, []); break;
            case 3: File.WriteAllBytes(path, [65, 0, 66]); break;                              // binary
            case 4: File.WriteAllBytes(path, [0x68, 0xC3, 0x28, 0xFF, 0x0A]); break;            // invalid UTF-8
            case 5: File.WriteAllText(path, new string('x', TextFilesCorpus.MaxDocumentChars + random.Next(100)) + "\n"); break;
            case 6: Directory.CreateDirectory(path); break;                                    // a folder named like a file
            case 7: File.CreateSymbolicLink(path, Path.Combine(root, "nowhere")); break;
            default: Directory.CreateSymbolicLink(path, root); break;   // a loop
        }
        return path;
    }

    private static void Check(Corpus corpus)
    {
        Assert.True(corpus.Documents.Count > 0 && corpus.Files > 0);
        foreach (var d in corpus.Documents)
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Text));
            Assert.InRange(d.Text.Length, 1, TextFilesCorpus.MaxDocumentChars);
        }
    }
}
