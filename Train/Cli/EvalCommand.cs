// `moe eval --checkpoint DIR --tokens FILE [--device D] [--json]`: the loss of a trained model on
// given token sequences. FILE is a JSON array of token-id sequences ([[1, 2, 3], [4, 5]]); each
// sequence is run on its own (lengths may differ), its tokens 0..n-2 predicting 1..n-1.
// Prints the mean next-token cross-entropy over all predicted tokens ("loss") and the balance loss
// Σ_layers aux_l averaged over the sequences ("aux_loss", computed as in training, with per-layer
// values), as text or, with --json, as one JSON object. A bad file is one line on stderr, exit 1.
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

namespace MoeFromScratch.Train.Cli;

public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder, a run folder (its latest checkpoint), or an HF-style model folder.", Required = true };
        var tokens = new Option<string>("--tokens") { Description = "A JSON file: an array of token-id sequences, each at least 2 tokens long.", Required = true };
        var device = DeviceSelector.CreateOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("eval", "Mean next-token cross-entropy and balance loss of a model on token sequences.")
        {
            checkpoint, tokens, device, json,
        };
        command.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(tokens)!, parse.GetValue(device)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(string path, string tokensFile, string device, bool json)
    {
        string folder = ModelFolder.Resolve(path);
        using var backend = DeviceSelector.Open(device);
        var config = MoeConfigJson.Load(Path.Combine(folder, Model.Checkpoint.ModelCheckpoint.ConfigFile));
        var sequences = ReadSequences(tokensFile, config.VocabSize, config.MaxPositionEmbeddings + 1);
        int longest = sequences.Max(s => s.Length) - 1;
        ModelFolder.CheckedConfig(folder, backend, c => MemoryPlan.ForInference(c, longest, $"--tokens {tokensFile}: its longest sequence of {longest + 1} tokens", kvCache: false));
        using var model = Model.Checkpoint.ModelWeights.Load(folder, backend);

        double ceSum = 0, auxSum = 0;
        long predicted = 0;
        int layers = model.Config.NumHiddenLayers;
        var auxPerLayer = new double[layers];
        using var noGrad = Grad.NoGrad();
        foreach (var sequence in sequences)
        {
            using var scope = new TensorScope();
            int T = sequence.Length - 1;
            var inputs = Tensor.FromArray(sequence[..T], [1, T], backend);       // (1, T)
            var targets = Tensor.FromArray(sequence[1..], [1, T], backend);      // (1, T)
            var output = model.Forward(inputs, targets, training: true);         // training: the balance losses are computed
            ceSum += output.LmLoss!.Item() * T;
            predicted += T;
            auxSum += output.AuxLoss.Item();
            foreach (var (layer, moe) in output.MoeLayers) auxPerLayer[layer] += moe.AuxLoss.Item();
        }
        double loss = ceSum / predicted, aux = auxSum / sequences.Count;
        var perLayer = Enumerable.Range(0, layers).Where(model.Config.IsMoeLayer).ToDictionary(l => l.ToString(), l => auxPerLayer[l] / sequences.Count);
        if (json)
            Console.WriteLine(new JsonObject
            {
                ["loss"] = loss,
                ["aux_loss"] = aux,
                ["aux_per_layer"] = new JsonObject(perLayer.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["sequences"] = sequences.Count,
                ["tokens"] = predicted,
                ["checkpoint"] = folder,
            }.ToJsonString());
        else
            Console.WriteLine($"{folder}: {Training.Reporting.Wording.Count(sequences.Count, "sequence", "sequences")}, {Training.Reporting.Wording.Count(predicted, "predicted token", "predicted tokens")}; loss {loss:F6} (mean next-token cross-entropy), " +
                $"aux_loss {aux:F6} (Σ over MoE layers{(perLayer.Count == 0 ? "" : ": " + string.Join(", ", perLayer.Select(p => $"layer {p.Key} {p.Value:F6}")))})");
        return 0;
    }

    private static readonly RegularFile.Kind TokensKind = new(UserErrorKind.Data, "a --tokens JSON file of at most 256 MiB", 256 * RegularFile.MiB, m => new DataException(m));

    /// <summary>The sequences of a tokens file, checked: ids in 0..V-1, lengths 2..maxLength.</summary>
    public static List<int[]> ReadSequences(string file, int vocabSize, int maxLength)
    {
        List<int[]>? sequences;
        try
        {
            sequences = JsonSerializer.Deserialize(RegularFile.ReadAllBytes(file, TokensKind), TrainJson.Default.ListInt32Array);
        }
        catch (JsonException e)
        {
            throw new DataException($"--tokens {file}: expected a JSON array of token-id arrays such as [[1, 2, 3], [4, 5]] ({e.Message.Split('\n')[0].TrimEnd('.')})");
        }
        if (sequences is null || sequences.Count == 0)
            throw new DataException($"--tokens {file}: no sequences (expected a JSON array of token-id arrays)");
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i] ?? throw new DataException($"--tokens {file}: sequence {i} is null");
            if (s.Length < 2 || s.Length > maxLength)
                throw new DataException($"--tokens {file}: sequence {i} has {s.Length} tokens, expected 2..{maxLength} (max_position_embeddings + 1)");
            int bad = Array.FindIndex(s, t => t < 0 || t >= vocabSize);
            if (bad >= 0)
                throw new DataException($"--tokens {file}: sequence {i} holds token id {s[bad]} at {bad}, outside the vocabulary 0..{vocabSize - 1}");
        }
        return sequences;
    }
}
