// A training checkpoint: the model in HuggingFace layout (config.json, model.safetensors,
// tokenizer.json, tokenizer_config.json — what `moe generate` and HF tools read) plus what resuming needs
// (optimizer.safetensors: AdamW's m and v; trainer_state.json: steps, data position, settings).
// Saving refuses weights that are not finite, so a diverged run never overwrites `latest` with a
// poisoned checkpoint. Restoring loads into a model and optimizer already built on their device.
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Checkpointing;

public sealed class TrainingCheckpoint(string runFolder, ILanguageModel model, AdamW optimizer, MoeConfig? config, BpeTokenizer? tokenizer)
{
    public const string OptimizerFile = "optimizer.safetensors";

    public string RunFolder { get; } = runFolder;

    /// <summary>
    /// Writes runFolder/checkpoint-NNNNNN (atomically) and points `latest` at it; returns the folder.
    /// experts: every rank's routed experts and their moments, for an expert-parallel run (null: this process holds all).
    /// </summary>
    public string Save(TrainerState state, IEnumerable<CheckpointPart>? extraParts = null, GatheredExperts? experts = null)
    {
        double norm = GradClip.GlobalNorm(model.Module.Parameters().Select(p => experts?.Of(p.Data) ?? p.Data).ToList());
        if (!double.IsFinite(norm))
            throw new InvalidOperationException($"refusing to save step {state.Step}: the weights hold NaN or infinity");
        return CheckpointStore.Save(RunFolder, state.Step, Parts(state, experts).Concat(extraParts ?? []));
    }

    private IEnumerable<CheckpointPart> Parts(TrainerState state, GatheredExperts? experts)
    {
        Func<Tensor, Tensor> whole = t => experts?.Of(t) ?? t;
        yield return new("model", folder => model.SaveWeights(folder, config, p => whole(p.Data)));
        if (tokenizer is not null)
        {
            yield return new("tokenizer", folder =>
            {
                TokenizerJson.Save(tokenizer, Path.Combine(folder, "tokenizer.json"));
                Sft.ChatTemplate.SaveConfig(tokenizer, folder);   // tokenizer_config.json: chat_template, bos and eos
            });
        }
        yield return new("optimizer", folder => SafeTensorsFile.Write(Path.Combine(folder, OptimizerFile),
            optimizer.StateTensors().Select(m => (m.Name, whole(m.Tensor))).ToList(), StoredDType.F32));
        yield return new("trainer state", folder => state.Save(Path.Combine(folder, TrainerState.FileName)));
    }

    /// <summary>Loads weights and optimizer state from a checkpoint (or a run folder's latest) and returns its trainer state.</summary>
    public static TrainerState Restore(string path, ILanguageModel model, AdamW optimizer)
    {
        string folder = CheckpointStore.Resolve(path);
        var state = TrainerState.Load(Path.Combine(folder, TrainerState.FileName));
        model.LoadWeights(folder);
        string optimizerPath = Path.Combine(folder, OptimizerFile);
        var moments = SafeTensorsFile.Read(optimizerPath);
        try
        {
            SliceExpertMoments(moments, model, optimizer);
            optimizer.LoadState(moments, state.OptimizerStep, optimizerPath);
        }
        finally
        {
            foreach (var t in moments.Values) t.Dispose();
        }
        return state;
    }

    // Expert parallel: the file holds every expert's moments (E, in, out) under the stacked name; this
    // rank keeps its own [First, First + E/P) — resuming at another rank count is slicing.
    private static void SliceExpertMoments(Dictionary<string, Tensor> moments, ILanguageModel model, AdamW optimizer)
    {
        if (model.Module is not Model.DeepSeekMoe { ExpertShards: { } shards } moe) return;
        var sharded = moe.ShardedParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var slot in optimizer.Slots.Where(s => sharded.Contains(s.Parameter)))
            foreach (string name in new[] { $"{AdamW.MName}.{slot.Name}", $"{AdamW.VName}.{slot.Name}" })
                if (moments.TryGetValue(name, out var all) && all.Rank > 0 && all.Shape[0] == shards.Experts)
                {
                    moments[name] = all.Narrow(0, shards.First, shards.PerRank);   // a view; the whole is freed with it below
                    all.Dispose();
                }
    }
}
