// Sizes that cannot fit: refused before a model, a batch or a mask is built, each in one line
// naming what to shrink, with the refused command's peak memory under 300 MB (Refusal). The CLI
// cases are the ones a user met: a 16B (and 145B) model benchmarked on a small machine, a batch of
// 100,000, hidden_size 1,000,000, vocab_size 2e9 and 10. Then generated cases: random sizes of a
// config and of the step, each either refused with a MoeUserException or planned within limits,
// a 40,000-position config whose causal mask is sized by the sequence actually used (and never
// built by a plain causal forward on a backend with fused attention), and an experiment on a 1 MiB
// GPU pool. Last, InferenceSizeRefusalTests: `generate` and `analyze` from a 145B folder whose
// headers match its config, and a KV cache sized by the prompt and --max-tokens.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.PropertyTests.Vulkan;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Cli;
using MoeFromScratch.Train.Experiments;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class SizeRefusalTests : FuzzFolderTests
{
    // {name.json}: the tiny preset with one field changed. --data names nothing: the refusal must come before the corpus is read.
    public static TheoryData<string, string> Commands => new()
    {
        { "bench train --config deepseek-moe-16b", "training needs at least" },
        { "bench train --config deepseek-moe-145b --seq 64", "training needs at least" },
        { "bench train --config tiny --batch 100000", "--batch 100000 × --seq 128: the logits" },
        { "train --config tiny --batch 100000 --device cpu --data /nonexistent", "--batch 100000 × --seq 128: the logits" },
        { "train --config deepseek-moe-145b --seq 64 --device cpu --data /nonexistent", "training needs at least" },
        { "params --config {hidden_size=1000000}", "field 'hidden_size' = 1000000" },
        { "train --config {hidden_size=1000000} --device cpu --data /nonexistent", "field 'hidden_size' = 1000000" },
        { "params --config {vocab_size=2000000000}", "field 'vocab_size' = 2000000000" },
        { "train --config {vocab_size=2000000000} --device cpu --data /nonexistent", "field 'vocab_size' = 2000000000" },
        { "train --config {vocab_size=10} --device cpu --data /nonexistent", "field 'vocab_size' = 10" },
        { "params --config {vocab_size=10}", "field 'vocab_size' = 10: training makes a byte-level BPE tokenizer" },   // the same line as train's
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_run_that_cannot_fit_is_refused_in_one_line_before_anything_is_built(string command, string expected) =>
        Refusal.Assert(Configs(command), expected);

    // "{field=value}" -> the path of the tiny preset's config.json with that field changed
    private string Configs(string command) => System.Text.RegularExpressions.Regex.Replace(command, @"\{(\w+)=(\d+)\}", m =>
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(MoeConfigJson.ToJson(MoePresets.Tiny))!.AsObject();
        json[m.Groups[1].Value] = long.Parse(m.Groups[2].Value);
        string path = Folder.File($"{m.Groups[1].Value}-{m.Groups[2].Value}.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    });

    [Fact]
    public void Random_sizes_are_refused_as_user_errors_or_planned_within_every_tensor_limit()
    {
        var sizes = Gen.Elements(1, 2, 7, 64, 1000, 65_536, 1_000_000, 46_341, int.MaxValue);
        var cases = from c in sizes
                    from v in sizes
                    from layers in Gen.Elements(1, 2, 300)
                    from experts in Gen.Elements(1, 8, 4096)
                    from batch in sizes
                    from seq in sizes
                    from fused in Gen.Elements(false, true)
                    select (C: c * 2, V: v, Layers: layers, E: experts, B: batch, T: seq, Fused: fused);
        Prop.ForAll(cases.ToArbitrary(), s =>
        {
            MoeConfig config;
            MemoryPlan plan;
            try
            {
                config = (MoePresets.Tiny with
                {
                    HiddenSize = s.C,
                    VocabSize = s.V,
                    NumHiddenLayers = s.Layers,
                    NRoutedExperts = s.E,
                    NumAttentionHeads = 2,
                    MaxPositionEmbeddings = Math.Max(s.T, 1),
                }).Validate("random");
                plan = MemoryPlan.ForTraining(config, s.B, s.T, fusedAttention: s.Fused);
            }
            catch (MoeUserException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                return;
            }
            // planned: every tensor it implies fits one tensor, and no part overflowed
            foreach (var p in ParameterLayout.Of(config)) Assert.True(p.Numel <= MoeConfig.MaxTensorElements, p.Name);
            Assert.True((long)s.B * s.T * s.V <= MoeConfig.MaxTensorElements, $"the logits of {s}");
            if (!s.Fused) Assert.True((Int128)s.B * s.T * s.T * 2 <= MoeConfig.MaxTensorElements, $"the attention scores of {s}");
            Assert.All(plan.Parts, p => Assert.True(p.Bytes >= 0, $"{p.Part} {p.Bytes} of {s}"));
            Assert.True(plan.Total >= 16 * ParameterCount.Of(config).Total.Total, $"{plan.Total} of {s}");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_causal_mask_of_a_40000_position_config_holds_only_the_positions_a_forward_uses()
    {
        using var mask = new CausalMask(40_000, Device.Cpu);           // as a backend without fused attention asks for it
        using var scope = new TensorScope();
        mask.Rows(0, 8);
        Assert.Equal(8, mask.BuiltPositions);                          // not 40,000² floats (6.4 GB)
        mask.Rows(0, 20);
        Assert.Equal(20, mask.BuiltPositions);                         // grown for the longer window, no more
    }

    [Fact]
    public void With_fused_attention_a_plain_causal_forward_builds_no_mask_at_all()
    {
        var config = MoePresets.Tiny with { MaxPositionEmbeddings = 40_000 };
        using var model = new DeepSeekMoe(config, seed: 1, Device.Cpu);
        using var scope = new TensorScope();
        Assert.True(Device.Cpu.HasFusedAttention);
        using (Grad.NoGrad()) model.Forward(Tensor.FromArray(new int[40], [2, 20]), null, training: false);
        Assert.Equal(0, model.Mask.BuiltPositions);                    // the kernel knows causality; no (T, T) tensor
    }

    [VulkanFact]
    public void On_vulkan_the_plan_is_checked_against_the_pool_and_refused_in_one_line()
    {
        int? index = VulkanDevices.List().FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu)?.Index;
        using var gpu = new VulkanBackend(new VulkanOptions { DeviceIndex = index, AllowCpuDevice = true, MemoryLimitBytes = 1 << 20 });
        var error = Assert.Throws<UsageException>(() => MemoryPlan.ForTraining(MoePresets.Tiny, 8, 128, gpu.HasFusedAttention).Check(gpu));
        Assert.Contains($"on {gpu.Name}", error.Message);
        Assert.Contains("but 1.0 MiB is free", error.Message);
        Assert.Contains("reduce --batch or --seq", error.Message);
        MemoryPlan.ForTraining(MoePresets.Tiny with { VocabSize = 300, HiddenSize = 8, NumAttentionHeads = 2, NumHiddenLayers = 1 }, 1, 4, gpu.HasFusedAttention).Check(gpu);
    }

    // `moe experiment` checks each of its models as `moe train` does, before the corpus is read; no
    // CPU here is small enough to refuse them, so a 1 MiB pool on lavapipe stands in for a small GPU.
    [VulkanFact]
    public void An_experiment_whose_models_cannot_fit_is_refused_naming_the_scale()
    {
        int? index = VulkanDevices.List().FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu)?.Index;
        using var gpu = new VulkanBackend(new VulkanOptions { DeviceIndex = index, AllowCpuDevice = true, MemoryLimitBytes = 1 << 20 });
        foreach (var name in ExperimentCatalog.Names)
        {
            var error = Assert.Throws<UsageException>(() => ExperimentCommand.RequireEveryModelFits(
                ExperimentCatalog.Get(name, ExperimentScale.Small), ExperimentScale.Small, gpu));
            Assert.StartsWith("training needs at least", error.Message);
            Assert.EndsWith("but 1.0 MiB is free (" + gpu.Name + " device memory); use --scale tiny or a device with more memory", error.Message);
        }
        ExperimentCommand.RequireEveryModelFits(ExperimentCatalog.Get("baselines", ExperimentScale.Tiny),
            ExperimentScale.Tiny, Device.Cpu);   // what the machine has: planned, not refused
    }
}

public sealed class InferenceSizeRefusalTests : FuzzFolderTests
{
    // A folder with the 145B config and a safetensors file whose header lists every tensor of it in
    // BF16 over a sparse 290 GB of zeros (no blocks on disk): the headers match, so only the memory
    // plan stands between `generate` and 580 GB of float32 weights.
    [Fact]
    public void Generating_from_a_model_larger_than_the_machine_is_refused_after_the_headers_before_the_weights()
    {
        var config = MoePresets.DeepSeekMoe145B;
        string folder = SparseModelFolder(config);
        string weights = MemoryPlan.Size(4 * ParameterCount.Of(config).Total.Total);   // float32 once loaded
        Refusal.Assert($"generate --checkpoint {folder} --device cpu --max-tokens 8", "inference needs at least", $"(weights {weights},", "KV cache");
    }

    // `moe analyze` plans a validation batch of the run's B × T (moe train's defaults for a bare
    // folder) before it reads the corpus: --data names nothing, so a later refusal would be about it.
    [Fact]
    public void Analyzing_a_model_larger_than_the_machine_is_refused_before_the_corpus_is_read()
    {
        string folder = SparseModelFolder(MoePresets.DeepSeekMoe145B);
        Refusal.Assert($"analyze --checkpoint {folder} --device cpu --data /nonexistent", "inference needs at least", "activations");
    }

    private string SparseModelFolder(MoeConfig config)
    {
        string folder = Folder.Path;
        MoeConfigJson.Save(config, Path.Combine(folder, "config.json"));
        var header = new System.Text.Json.Nodes.JsonObject();
        long offset = 0;
        foreach (var p in ParameterLayout.Of(config))
        {
            long bytes = 2 * p.Numel;
            header[p.Name] = new System.Text.Json.Nodes.JsonObject
            {
                ["dtype"] = "BF16",
                ["shape"] = new System.Text.Json.Nodes.JsonArray(p.Shape.Select(d => (System.Text.Json.Nodes.JsonNode?)d).ToArray()),
                ["data_offsets"] = new System.Text.Json.Nodes.JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        using (var file = File.Create(Path.Combine(folder, "model.safetensors")))
        {
            file.Write(BitConverter.GetBytes((long)json.Length));
            file.Write(json);
            file.SetLength(8 + json.Length + offset);
        }
        return folder;
    }

    // The tiny model with max_position_embeddings 2^27 (RoPE has no weights, so the headers still
    // match): a KV cache preallocated for every position would be 2 · 2 layers · 2^27 · 64 · 4 bytes
    // = 128 GiB, and the plan counting it refused even --max-tokens 4. Sized by the prompt and
    // --max-tokens, a short generation holds a few KiB; a --max-tokens as long as the context is
    // planned as that long a sequence, and refused naming both options.
    [Fact]
    public void The_KV_cache_is_planned_and_sized_by_the_prompt_and_max_tokens_not_the_context()
    {
        using var run = new TinyRun();
        var (checkpoint, optimizer) = run.NewCheckpoint(run.RunFolder());
        using var ownedOptimizer = optimizer;
        string folder = checkpoint.Save(new TrainerState(1, 1, 1, 64, new TrainSettings { Steps = 2, WarmupSteps = 1 }));
        MoeConfigJson.Save(MoePresets.Tiny with { MaxPositionEmbeddings = 1 << 27 }, Path.Combine(folder, "config.json"));
        var exit = MoeProcess.Run($"generate --checkpoint {folder} --device cpu --max-tokens 4 --prompt hello", timeout: TimeSpan.FromSeconds(90));
        Assert.True(exit.Code == 0, exit.ToString());
        Assert.StartsWith("hello", exit.Stdout);
        Refusal.Assert($"generate --checkpoint {folder} --device cpu --max-tokens {1 << 27} --prompt hello", $"--prompt and --max-tokens {1 << 27}: the logits");
    }
}
