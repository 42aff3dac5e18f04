// VulkanRun: `moe train` on the Vulkan device the tests use (lavapipe, a CPU-type device, unless
// only another one exists), with a config small enough for lavapipe to take a thousand steps in a
// couple of minutes: the tiny preset cut to C 16, one MoE layer of 1 shared + 4 routed experts
// (K 2), vocab 288, B 1 × T 8. On lavapipe the cost of a step is the number of dispatches and
// submits, not the arithmetic, so the tiny preset itself (measured: ~1 s of CPU a step) does not fit.
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.PropertyTests.Reliability;

internal sealed class VulkanRun : IDisposable
{
    private readonly TinyRun _files = new();   // the corpus and a token cache

    // SafeTensorsFuzzTests.Micro (2 heads, 4 routed experts, K 2), wider, one MoE layer, the corpus's vocabulary.
    public static readonly MoeConfig Config = SafeTensorsFuzzTests.Micro with
    { VocabSize = 288, HiddenSize = 16, IntermediateSize = 32, MoeIntermediateSize = 8, NumHiddenLayers = 1, FirstKDenseReplace = 0, MaxPositionEmbeddings = 64 };

    public VulkanRun() => MoeConfigJson.Save(Config, ConfigPath);

    private string ConfigPath => Path.Combine(_files.Folder, "config.json");

    public static string Device =>
        $"vulkan:{(VulkanDevices.List().FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu) ?? VulkanDevices.List()[0]).Index}";

    public string RunFolder(string name) => _files.RunFolder(name);

    /// <summary>Trains into RunFolder(name) and returns the losses metrics.jsonl recorded; more: extra options.</summary>
    public IReadOnlyList<string> Train(string name, long steps, string more = "--save-every 0 --eval-every 0")
    {
        var exit = MoeProcess.Run(
            $"train --config {ConfigPath} --data {_files.Corpus} --cache {_files.Cache} --out {RunFolder(name)} --device {Device} " +
            $"--steps {steps} --batch 1 --seq 8 --seed {TinyRun.Seed} {more}",
            timeout: TimeSpan.FromMinutes(60));   // a hang guard: ~2 min of CPU, but 30+ min inside the whole suite on 2 overloaded cores
        Assert.True(exit.Code == 0, exit.ToString());
        return TinyRun.Losses(RunFolder(name));
    }

    public void Dispose() => _files.Dispose();
}
