// `moe eval --checkpoint DIR --tokens FILE [--device D] [--json]`: the loss of a trained model on
// given token sequences. FILE is a JSON array of token-id sequences ([[1, 2, 3], [4, 5]];
// Data/TokenSequencesFile, which `moe tokenize --eval-tokens FILE` writes); each
// sequence is run on its own (lengths may differ) the HF way: the model runs on all n tokens, the
// loss is over the n − 1 shifted targets (tokens 0..n-2 predicting 1..n-1; the last position has no
// target), and the balance losses over all n tokens, as HF's forward computes them with labels.
// Prints the mean next-token cross-entropy over all predicted tokens ("loss") and the balance loss
// Σ_layers aux_l averaged over the sequences ("aux_loss", computed as in training, with per-layer
// values), as text or, with --json, as one JSON object. A bad file is one line on stderr, exit 1.
// Over 20 sequences or more it prints progress lines as train does (Reporting/PhaseProgress; stderr under --json).
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.Train.Cli;

public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder, a run folder (its latest checkpoint), or an HF-style model folder.", Required = true };
        var tokens = new Option<string?>("--tokens") { Description = "A JSON file: an array of token-id sequences, each at least 2 tokens long (required unless --sft)." };
        var device = DeviceSelector.CreateOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var sft = new Option<bool>("--sft") { Description = "Evaluate a `moe sft` run on its held-out conversations (answer loss, exact match, ROUGE-L, baselines) instead of --tokens." };
        var examples = new Option<int>("--examples") { Description = "With --sft: held-out conversations to answer.", DefaultValueFactory = _ => SftCommand.DefaultEvalExamples };
        var precision = PrecisionOption.ForInference();
        var command = new Command("eval", "Mean next-token cross-entropy and balance loss of a model on token sequences, or (--sft) a fine-tuned model on held-out questions.")
        {
            checkpoint, tokens, device, json, sft, examples, precision,
        };
        command.SetAction(parse => parse.GetValue(sft)
            ? RunSft(parse.GetValue(checkpoint)!, parse.GetValue(device)!, parse.GetValue(json), parse.GetValue(examples), parse.GetValue(precision)!)
            : Run(parse.GetValue(checkpoint)!, parse.GetValue(tokens) ?? throw new UsageException("eval: --tokens FILE is required (or --sft for a fine-tuned run)"),
                parse.GetValue(device)!, parse.GetValue(json), parse.GetValue(precision)!));
        return command;
    }

    // The settings of the fine-tuning run name its data, seed and base model: the evaluation sft printed, again.
    private static int RunSft(string path, string device, bool json, int examples, string precisionName)
    {
        string folder = CheckpointStore.Resolve(path);
        var settings = TrainerState.Load(Path.Combine(folder, TrainerState.FileName)).Settings;
        if (settings.BaseCheckpoint is null) throw new CheckpointException($"{folder}: not a fine-tuning checkpoint (its trainer state names no base checkpoint)");
        using var backend = DeviceSelector.Open(device);
        var precision = PrecisionOption.Resolve(precisionName, backend);
        var (model, tokenizer, _) = Training.ModelFactory.Load(folder, backend, c =>
            MemoryPlan.ForInference(c, c.MaxPositionEmbeddings, "an answer (up to max_position_embeddings)", kvCache: true, fusedAttention: backend.HasFusedAttention,
                valueBytes: precision.Weights.SizeInBytes()), precision);
        var set = Sft.InstructionSet.Load(settings.Data);
        var report = SftCommand.Evaluate(model, new Sft.ChatTemplate(tokenizer), set, examples, settings, settings.BaseCheckpoint, backend, json ? Console.Error : Console.Out);
        if (json) Console.WriteLine(report.ToJson().ToJsonString());
        return 0;
    }

    private static int Run(string path, string tokensFile, string device, bool json, string precisionName)
    {
        string folder = ModelFolder.Resolve(path);
        using var backend = DeviceSelector.Open(device);
        var precision = PrecisionOption.Resolve(precisionName, backend);
        var config = MoeConfigJson.Load(Path.Combine(folder, Model.Checkpoint.ModelCheckpoint.ConfigFile));
        var sequences = TokenSequencesFile.Read(tokensFile, config.VocabSize, config.MaxPositionEmbeddings);   // the model runs on all n tokens
        int longest = sequences.Max(s => s.Length);
        ModelFolder.CheckedConfig(folder, backend, c => MemoryPlan.ForInference(c, longest, $"--tokens {tokensFile}: its longest sequence of {longest} tokens", kvCache: false, fusedAttention: backend.HasFusedAttention,
            valueBytes: precision.Weights.SizeInBytes()));
        using var model = Model.Checkpoint.ModelWeights.Load(folder, backend, precision.Weights);

        double ceSum = 0, auxSum = 0;
        long predicted = 0, evaluated = 0;
        int layers = model.Config.NumHiddenLayers;
        var auxPerLayer = new double[layers];
        using var noGrad = Grad.NoGrad();
        var progress = PhaseProgress.Paced(json ? Console.Error : Console.Out, "eval", sequences.Count, "sequences");   // stdout is the result under --json
        foreach (var sequence in sequences)
        {
            using var scope = new TensorScope();
            int n = sequence.Length, T = n - 1;
            var inputs = Tensor.FromArray(sequence, [1, n], backend);                        // (1, n): every token
            var targets = Tensor.FromArray([.. sequence[1..], -100], [1, n], backend);       // (1, n): the next token; none after the last
            var output = model.Forward(inputs, targets, training: true);                     // training: the balance losses are computed
            ceSum += output.LmLoss!.Item() * T;
            predicted += T;
            auxSum += output.AuxLoss.Item();
            foreach (var (layer, moe) in output.MoeLayers) auxPerLayer[layer] += moe.AuxLoss.Item();
            progress.Done(++evaluated, $"{predicted / progress.Elapsed.TotalSeconds:N0} tok/s");
        }
        double loss = ceSum / predicted, aux = auxSum / sequences.Count;
        var perLayer = Enumerable.Range(0, layers).Where(model.Config.IsMoeLayer).ToDictionary(l => l, l => auxPerLayer[l] / sequences.Count);   // by model layer (LayerNames)
        if (json)
            Console.WriteLine(new JsonObject
            {
                ["loss"] = loss,
                ["aux_loss"] = aux,
                ["aux_per_layer"] = new JsonObject(perLayer.Select(p => KeyValuePair.Create(p.Key.ToString(), (JsonNode?)p.Value))),
                ["sequences"] = sequences.Count,
                ["tokens"] = predicted,
                ["checkpoint"] = folder,
            }.ToJsonString());
        else
            Console.WriteLine($"{folder}: {Training.Reporting.Wording.Count(sequences.Count, "sequence", "sequences")}, {Training.Reporting.Wording.Count(predicted, "predicted token", "predicted tokens")}; loss {loss:F6} (mean next-token cross-entropy), " +
                $"aux_loss {aux:F6} (Σ over MoE layers{(perLayer.Count == 0 ? "" : $", {LayerNames.Convention}: " + string.Join(", ", perLayer.Select(p => $"{LayerNames.Of(p.Key)} {p.Value:F6}")))})");
        return 0;
    }
}
