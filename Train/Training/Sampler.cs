// Sampler: picks the next token from logits (V) the usual way — temperature, then nucleus (top-p)
// sampling (Holtzman et al. 2020: keep the most likely tokens whose probabilities first reach p,
// renormalise, draw) — from a seeded System.Random, so the same seed gives the same text.
// Temperature 0 is greedy (argmax). On the host: V floats per token is cheap next to the model.
namespace MoeFromScratch.Train.Training;

public sealed class Sampler
{
    private readonly Random _random;

    public double Temperature { get; }
    public double TopP { get; }

    public Sampler(double temperature, double topP, int seed)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new Tensors.UsageException($"--temperature {temperature}: expected a number >= 0");
        if (!(topP > 0 && topP <= 1)) throw new Tensors.UsageException($"--top-p {topP}: expected 0 < p <= 1");
        (Temperature, TopP, _random) = (temperature, topP, new Random(seed));
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (logits.Length == 0) throw new ArgumentException("Sampler: no logits");
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        if (Temperature == 0) return best;

        // softmax(logits / T), shifted by the max for stability
        var probs = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < probs.Length; i++) sum += probs[i] = Math.Exp((logits[i] - logits[best]) / Temperature);

        // nucleus: the smallest prefix of tokens by falling probability whose mass reaches p
        var order = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ThenBy(i => i).ToArray();
        double kept = 0;
        int count = 0;
        while (count < order.Length && kept < TopP * sum) kept += probs[order[count++]];

        double draw = _random.NextDouble() * kept;
        for (int k = 0; k < count; k++)
        {
            draw -= probs[order[k]];
            if (draw < 0) return order[k];
        }
        return order[count - 1];   // rounding left a sliver: the last kept token
    }
}
