// analysis.json: an AnalysisResult as indented snake_case JSON, written atomically. The same text
// is what `moe analyze --json` prints. Every number in it is finite (the analysis produces no NaN).
// Serialised by the compile-time context (TrainJson), so a trimmed `moe` writes it too.
using System.Text.Json;
using MoeFromScratch.Model;

namespace MoeFromScratch.Train.Analysis;

public static class AnalysisJson
{
    public const string FileName = "analysis.json";

    public static string Serialize(AnalysisResult result) => JsonSerializer.Serialize(result, TrainJson.Default.AnalysisResult);

    /// <summary>Writes folder/analysis.json; returns its path.</summary>
    public static string Write(AnalysisResult result, string folder)
    {
        string path = Path.Combine(folder, FileName);
        AtomicFile.WriteAllText(path, Serialize(result) + "\n");
        return path;
    }
}
