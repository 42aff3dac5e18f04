// Precision: the names `--precision` takes, and the memory `moe params` states from a config alone.
// The expected bytes are written from the config's fields here (a key and a value row of
// NH_kv·HS per layer per token; every weight once), not copied from the program's output; the
// paper's number is the check on both: 16.4B parameters in bf16 are 32.8 GB.
using System.Text.Json.Nodes;
using MoeFromScratch.PropertyTests.Reliability;

namespace MoeFromScratch.PropertyTests.Model.Config;

public sealed class PrecisionTests
{
    [Fact]
    public void Deepseek_16b_in_bf16_is_the_papers_32_8_GB_of_weights()
    {
        var c = MoePresets.DeepSeekMoe16B;
        Assert.Equal(32.8, Math.Round(Precision.Bf16.WeightBytes(c) / 1e9, 1));        // 16.4B × 2 bytes
        Assert.Equal(65.5, Math.Round(Precision.Fp32.WeightBytes(c) / 1e9, 1));        // × 4
        // 2 (k and v) × 28 layers × 16 heads × 128 head size × 2 bytes = 224 KiB per token
        Assert.Equal(2L * c.NumHiddenLayers * c.NumKeyValueHeads * (c.HiddenSize / c.NumAttentionHeads) * 2, Precision.Bf16.KvCacheBytesPerToken(c));
        Assert.Equal(224 * 1024, Precision.Bf16.KvCacheBytesPerToken(c));
    }

    [Theory]
    [InlineData("fp32", 4)]
    [InlineData("bf16", 2)]
    [InlineData("fp64", 8)]
    public void Bytes_per_weight_follow_the_compute_dtype(string name, int bytes)
    {
        var p = Precision.Parse(name);
        foreach (var c in new[] { MoePresets.Tiny, MoePresets.Small, MoePresets.DeepSeekMoe16B })
        {
            Assert.Equal(bytes * ParameterCount.Of(c).Total.Total, p.WeightBytes(c));
            Assert.Equal(2L * bytes * c.NumHiddenLayers * c.HiddenSize, p.KvCacheBytesPerToken(c));   // NH·HS = C
        }
    }

    [Fact]
    public void Bf16_keeps_float32_master_weights_and_computes_in_bfloat16()
    {
        Assert.Equal((DType.Float32, DType.BFloat16), (Precision.Bf16.Weights, Precision.Bf16.Compute));
        Assert.Equal((DType.Float64, DType.Float64), (Precision.Fp64.Weights, Precision.Fp64.Compute));
    }

    [Fact]
    public void An_unknown_precision_is_one_line_naming_the_option_and_the_choices()
    {
        var e = Assert.Throws<UsageException>(() => Precision.Parse("fp8"));
        Assert.Equal("--precision fp8: expected one of fp32, bf16, fp64", e.Message);
    }

    [Fact]
    public void Moe_params_states_the_weight_memory_and_kv_cache_in_json_and_in_words()
    {
        var json = MoeProcess.Run("params --config deepseek-moe-16b --precision bf16 --json", timeout: TimeSpan.FromSeconds(60));
        Assert.True(json.Code == 0, json.ToString());
        var o = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("bf16", (string?)o["precision"]);
        Assert.Equal(2 * (long)o["total"]!, (long)o["weight_bytes"]!);
        Assert.Equal(Precision.Bf16.KvCacheBytesPerToken(MoePresets.DeepSeekMoe16B), (long)o["kv_cache_bytes_per_token"]!);

        var table = MoeProcess.Run("params --config deepseek-moe-16b --precision bf16", timeout: TimeSpan.FromSeconds(60));
        Assert.True(table.Code == 0, table.ToString());
        Assert.Contains("weights in bf16 (bfloat16): 32.8 GB", table.Stdout);
        Assert.Contains("KV cache 229,376 bytes (224.0 KiB) per token", table.Stdout);
    }
}
