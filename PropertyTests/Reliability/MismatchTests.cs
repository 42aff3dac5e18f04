// Parts of a run that do not belong together, each refused in one line before a model is built
// (Refusal: exit 1, no stack trace, peak memory under 300 MB): a checkpoint whose tokenizer.json
// is not its vocab_size, whose config.json does not match its weights' headers, whose weights hold
// NaN or ∞ (named at load, not a crash in the sampler or `loss NaN` with exit 0); and a resume
// with another corpus (another tokenizer), with --steps already reached, or with fewer steps than
// the run's warmup (the message names the options the user passed, not saved ones). The damages
// × the commands that read them are generated as a product.
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class MismatchTests : IDisposable
{
    private const long SavedStep = 2, SavedWarmup = 20;
    private readonly TinyRun _run = new();
    private readonly string _runFolder;
    private readonly string _checkpoint;

    public MismatchTests()
    {
        _runFolder = _run.RunFolder();
        var (checkpoint, optimizer) = _run.NewCheckpoint(_runFolder);
        using var ownedOptimizer = optimizer;
        var settings = new TrainSettings { Steps = 100, WarmupSteps = SavedWarmup, BatchSize = 2, SequenceLength = 16, EvalEvery = 0, Data = _run.Corpus };
        _checkpoint = checkpoint.Save(new TrainerState(SavedStep, SavedStep, (int)SavedStep, 64, settings));
    }

    public void Dispose() => _run.Dispose();

    // damage -> what the refusal says; each is applied to the checkpoint and read by every command that reads that part
    private static readonly (string Damage, string Expected, string[] Commands)[] Damages =
    [
        ("tokenizer of 300 tokens", "300 tokens, but the model's config.json has vocab_size 512", ["generate"]),
        ("config.json hidden_size 32", "does not match the config", ["generate", "eval"]),
        ("NaN in model.norm.weight", "'model.norm.weight' (64) holds NaN at element 3", ["generate", "eval"]),
        ("∞ in the embedding", "'model.embed_tokens.weight' (512, 64) holds +inf at element 100", ["generate", "eval"]),
    ];

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var (damage, _, commands) in Damages)
            foreach (var command in commands)
                cases.Add(damage, command);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_checkpoint_whose_parts_disagree_is_refused_before_the_model_is_built(string damage, string command)
    {
        Damage(damage);
        string tokens = Path.Combine(_run.Folder, "tokens.json");
        File.WriteAllText(tokens, "[[1, 2, 3, 4], [5, 6, 7]]");
        string args = command == "generate" ? $"generate --checkpoint {_checkpoint} --device cpu --max-tokens 4"
            : $"eval --checkpoint {_checkpoint} --tokens {tokens} --device cpu";
        Refusal.Assert(args, Damages.Single(d => d.Damage == damage).Expected);
    }

    [Fact]
    public void Resuming_with_another_corpus_is_refused_because_its_tokenizer_differs()
    {
        string other = Path.Combine(_run.Folder, "other");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(_run.Corpus))   // the same text with every line reversed: other pairs, other merges
            File.WriteAllLines(Path.Combine(other, Path.GetFileName(file)), File.ReadAllLines(file).Select(l => new string(l.Reverse().ToArray())));
        Refusal.Assert(_run.Resume(_runFolder, $"--data {other}"), "not the tokenizer of", "pass the --data the model was trained on");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(SavedStep)]
    public void Resuming_with_steps_already_done_says_so_naming_the_option_given(long steps)
    {
        string line = Refusal.Assert(_run.Resume(_runFolder, $"--steps {steps}"), $"--steps {steps}: the checkpoint", $"is at step {SavedStep} already");
        Assert.DoesNotContain("--warmup", line);
    }

    [Fact]
    public void Resuming_with_fewer_steps_than_the_warmup_names_steps_not_the_saved_warmup()
    {
        string line = Refusal.Assert(_run.Resume(_runFolder, "--steps 10"), $"--steps 10: fewer than the {SavedWarmup} warmup steps");
        Assert.DoesNotContain($"--warmup {SavedWarmup}", line);
    }

    private void Damage(string damage)
    {
        string weights = Path.Combine(_checkpoint, "model.safetensors");
        switch (damage)
        {
            case "tokenizer of 300 tokens":
                var small = BpeTrainer.Train(Directory.GetFiles(_run.Corpus).Order().Select(File.ReadAllText), 300);
                TokenizerJson.Save(small, Path.Combine(_checkpoint, ModelFolder.TokenizerFile));
                break;
            case "config.json hidden_size 32":
                MoeConfigJson.Save(MoePresets.Tiny with { HiddenSize = 32 }, Path.Combine(_checkpoint, ModelCheckpoint.ConfigFile));
                break;
            case "NaN in model.norm.weight":
                Poison(weights, "model.norm.weight", 3, float.NaN);
                break;
            default:
                Poison(weights, "model.embed_tokens.weight", 100, float.PositiveInfinity);
                break;
        }
    }

    private static void Poison(string path, string name, int element, float value)
    {
        var tensors = SafeTensorsFile.Read(path);
        var values = tensors[name].ToArray<float>();
        values[element] = value;
        var poisoned = Tensor.FromArray(values, tensors[name].Shape);
        var list = tensors.Select(t => (t.Key, t.Key == name ? poisoned : t.Value)).ToList();
        SafeTensorsFile.Write(path, list, StoredDType.F32);
        foreach (var t in tensors.Values) t.Dispose();
        poisoned.Dispose();
    }
}
