// Compile-time JSON serialisers (System.Text.Json source generation) for the types the `moe` program
// reads and writes with JsonSerializer, so it needs no runtime reflection and can be published
// trimmed (as the GPU machine needs: a self-contained folder small enough to carry). Files built
// node by node (JsonObject) need nothing here.
using System.Text.Json.Serialization;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.Train;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TrainerState))]
[JsonSerializable(typeof(List<int[]>))]
[JsonSerializable(typeof(AnalysisResult))]     // analysis.json (written only)
[JsonSerializable(typeof(ExperimentResult))]   // an experiment's results.json (written only)
[JsonSerializable(typeof(SeedRun))]            // one model and seed's seed_result.json (read back by a rerun)
internal sealed partial class TrainJson : JsonSerializerContext;
