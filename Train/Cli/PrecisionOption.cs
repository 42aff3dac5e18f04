// PrecisionOption: `--precision` of the commands that run a trained model (generate, chat, eval,
// analyze): the checkpoint's weights are read into that dtype and the model computes in it (bf16:
// half the weight and KV-cache memory, the path by which deepseek-moe-16b's 32.8 GB fits one 40 GB
// GPU; Model/Config/Precision.cs, ForInference). The losses and the router's scores stay float32.
using System.CommandLine;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Cli;

public static class PrecisionOption
{
    public static Option<string> ForInference() => new("--precision")
    {
        Description = $"The dtype the weights are read into and the model runs in: {Precision.Names} (bf16: half the memory; fp64 only on the CPU).",
        DefaultValueFactory = _ => Precision.Fp32.Name,
    };

    /// <summary>The named precision as inference holds it (the weights themselves in its compute dtype), checked against the device.</summary>
    public static Precision Resolve(string name, IBackend backend) => Precision.Parse(name).On(backend).ForInference;
}
