// analysis.json: an AnalysisResult as indented snake_case JSON, written atomically. The same text
// is what `moe analyze --json` prints. Every number in it is finite (the analysis produces no NaN).
using System.Text.Json;

namespace MoeFromScratch.Train.Analysis;

public static class AnalysisJson
{
    public const string FileName = "analysis.json";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string Serialize(AnalysisResult result) => JsonSerializer.Serialize(result, Options);

    /// <summary>Writes folder/analysis.json; returns its path.</summary>
    public static string Write(AnalysisResult result, string folder)
    {
        string path = Path.Combine(folder, FileName);
        Data.AtomicFile.WriteAllText(path, Serialize(result) + "\n");
        return path;
    }
}
