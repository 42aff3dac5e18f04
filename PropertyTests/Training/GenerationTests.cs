// Generation pieces: the sampler (greedy at temperature 0, seeded, nucleus keeps only the top
// mass), the UTF-8 text stream across token boundaries, and the recomputing decoder vs a plain
// forward of the whole sequence.
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class GenerationTests
{
    [Fact]
    public void Temperature_zero_is_argmax_and_a_seed_repeats_its_draws()
    {
        float[] logits = [0.1f, 2.0f, 1.9f, -1f];
        Assert.Equal(1, new Sampler(0, 1, seed: 3).Next(logits));

        int[] Draw(int seed)
        {
            var s = new Sampler(1.0, 1.0, seed);
            return Enumerable.Range(0, 50).Select(_ => s.Next(logits)).ToArray();
        }
        Assert.Equal(Draw(5), Draw(5));
        Assert.Contains(0, Draw(5).Concat(Draw(6)));   // full distribution: unlikely tokens do come up
    }

    [Fact]
    public void Nucleus_sampling_never_draws_outside_the_top_mass()
    {
        // probabilities ≈ 0.64, 0.24, 0.09, 0.03: top-p 0.7 keeps the first two only
        float[] logits = [3f, 2f, 1f, 0f];
        var sampler = new Sampler(1.0, 0.7, seed: 1);
        var draws = Enumerable.Range(0, 300).Select(_ => sampler.Next(logits)).ToHashSet();
        Assert.Equal([0, 1], draws.Order());
    }

    [Fact]
    public void Bad_sampling_options_name_the_option()
    {
        Assert.Equal("--top-p 0: expected 0 < p <= 1", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => new Sampler(1, 0, 0)).Message);
        Assert.StartsWith("--temperature -1", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => new Sampler(-1, 1, 0)).Message);
    }

    [Fact]
    public void Text_stream_holds_back_a_character_split_between_tokens()
    {
        var tokenizer = BpeTokenizer.FromMerges([]);   // byte tokens only: "é" is two tokens
        var stream = new TextStream(tokenizer);
        var ids = tokenizer.Encode("aé");
        Assert.Equal(3, ids.Length);
        Assert.Equal("a", stream.Push(ids[0]));
        Assert.Equal("", stream.Push(ids[1]));
        Assert.Equal("é", stream.Push(ids[2]));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void Recomputing_decoder_gives_the_last_position_logits_of_a_full_forward()
    {
        var model = new BigramLm(TrainingFixture.Vocab, TrainingFixture.Channels, 3, TrainingFixture.Backend);
        int[] tokens = [1, 2, 3, 4];
        float[] expected;
        using (Grad.NoGrad())
        using (var ids = Tensor.FromArray(tokens, [1, 4], TrainingFixture.Backend))
            expected = model.Forward(ids, null).Logits!.Data.Select(1, 3).Select(0, 0).ToArray<float>();

        using var decoder = ((ILanguageModel)model).StartDecoding(positions: 4);
        decoder.Append([1, 2]);
        Assert.Equal(expected, decoder.Append([3, 4]));
    }
}
