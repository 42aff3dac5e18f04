// Fuzz of config.json (MoeConfigJson.Parse): structural JSON mutations and byte damage of a valid
// config, and random values for the fields whose combinations Validate must refuse (K' > N',
// hidden not divisible by heads, negative sizes). A config that loads must round-trip through
// ToJson and give a layout and parameter count without overflow.
using System.Text;
using System.Text.Json.Nodes;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class ConfigFuzzTests(ITestOutputHelper output)
{
    private const string Source = "fuzz/config.json";
    private static readonly string ValidJson = MoeConfigJson.ToJson(MoePresets.Tiny);

    [Fact]
    public void Every_config_loads_consistently_or_is_refused_in_one_line()
    {
        var gen = Gen.Zip(Gen.Choose(0, 2), Gen.Choose(0, int.MaxValue));
        output.WriteLine(Fuzz.Run("config.json", gen, c => Input(c.Item1, c.Item2)).ToString());
    }

    private static FuzzInput Input(int mode, int seed)
    {
        var random = new Random(seed);
        string json = mode switch
        {
            0 => Mutate.Json(JsonNode.Parse(ValidJson)!, random).ToJsonString(),
            1 => Encoding.UTF8.GetString(Mutate.Bytes(Encoding.UTF8.GetBytes(ValidJson), random)),
            _ => RandomSizes(random),
        };
        return new FuzzInput(Source, json.Length, () => Check(MoeConfigJson.Parse(json, Source)));
    }

    // The sizes Validate relates to each other, drawn from small ranges so that both sides of each rule occur.
    private static string RandomSizes(Random random)
    {
        var node = JsonNode.Parse(ValidJson)!.AsObject();
        int Small() => random.Next(-2, 17);
        foreach (var field in new[] { "hidden_size", "num_attention_heads", "num_key_value_heads", "n_routed_experts",
                     "num_experts_per_tok", "n_shared_experts", "moe_intermediate_size", "intermediate_size",
                     "first_k_dense_replace", "moe_layer_freq", "num_hidden_layers", "vocab_size", "n_device_groups" })
            if (random.Next(3) == 0) node[field] = Small();
        if (random.Next(4) == 0) node["moe_kind"] = new[] { "deepseek", "gshard", "switch", "hash", "dense", "other" }[random.Next(6)];
        if (random.Next(4) == 0) node["hidden_size"] = int.MaxValue - random.Next(2);
        // sizes a tensor cannot hold (vocab × hidden, hidden², experts × their width), and vocab_size at the trainable bounds
        if (random.Next(4) == 0) node[new[] { "vocab_size", "hidden_size", "moe_intermediate_size", "intermediate_size" }[random.Next(4)]] = new[] { 46_341, 1_000_000, 2_000_000_000 }[random.Next(3)];
        if (random.Next(8) == 0) node["vocab_size"] = new[] { 10, 256, 257, 1 << 20, (1 << 20) + 1 }[random.Next(5)];
        return node.ToJsonString();
    }

    private static void Check(MoeConfig config)
    {
        Assert.Equal(config, MoeConfigJson.Parse(MoeConfigJson.ToJson(config), Source));
        foreach (var p in ParameterLayout.Of(config))
        {
            Assert.True(p.Shape.All(d => d > 0), $"{p.Name} has shape [{string.Join(", ", p.Shape)}]");
            Assert.True(p.Numel <= MoeConfig.MaxTensorElements, $"{p.Name}: {p.Numel} elements, more than a tensor holds");
        }
        // a config that loads is trainable here or refused in one line for its vocab_size, never an exception from inside
        try { MoeFromScratch.Train.Data.TokenizedCorpus.RequireTrainableVocab(config.VocabSize, Source); }
        catch (MoeFromScratch.Model.ModelConfigException e) { Assert.Contains("vocab_size", e.Message); }
        var (total, activated) = ParameterCount.Of(config);
        Assert.True(total.Total > 0 && activated.Total > 0 && activated.Total <= total.Total, $"parameter counts {total.Total} / {activated.Total}");
    }
}
