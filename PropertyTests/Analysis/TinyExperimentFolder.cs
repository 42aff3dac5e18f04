// The folder an experiment test runs in: a temporary root with a tiny corpus under data/ (200
// one-document files of prose, code and markup) and a token cache under cache/, deleted afterwards.
// Documents 99 and 199 are the validation split (Corpus.ValidationStride), one prose and one code,
// so the routing-by-kind score has two kinds to compare.
using MoeFromScratch.PropertyTests.Train;

namespace MoeFromScratch.PropertyTests.Analysis;

public abstract class TinyExperimentFolder : IDisposable
{
    protected readonly string _root = Directory.CreateTempSubdirectory("moe-experiment-test-").FullName;

    protected TinyExperimentFolder()
    {
        string[] extensions = [".md", ".cs", ".xml"];
        for (int i = 0; i < 200; i++)
        {
            string extension = i == 99 ? ".md" : i == 199 ? ".cs" : extensions[i % 3];
            File.WriteAllText(Path.Combine(Data, $"f{i:D3}{extension}"), SampleText.Documents[i % SampleText.Documents.Count]);
        }
    }

    protected string Data => Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
    protected string Cache => Path.Combine(_root, "cache");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
