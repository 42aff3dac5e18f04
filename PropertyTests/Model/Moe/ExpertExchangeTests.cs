// ExpertExchange on P threads (ThreadedWorld), float64 on the ReferenceBackend: exact, because
// every value only moves (the exchange and the re-sorts copy rows) or is multiplied by a small
// integer and added to exact zeros (a grouped GEMM with weight (e+1)·I).
//   - Dispatch → experts of weight (global id + 1)·I → Combine gives each row times (its expert + 1)
//     back in its place (fairseq's check: every row reached the right expert and came back), and
//     the gradient of each row is the seed times (its expert + 1) (the backward mirrors both
//     exchanges); with weight I it is the identity. Loads are drawn with zeros: experts, ranks
//     that receive nothing, and ranks that send nothing take part all the same.
//   - Each local expert receives the sum over the ranks of their loads for it.
//   - P not dividing E, or P > E: one error naming both.
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Distributed;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Model.Moe;

public sealed record ExchangeCase(int Ranks, int PerRank, int C, int[][] Loads, int Seed)
{
    public int E => Ranks * PerRank;
    public override string ToString() => $"P={Ranks} E/P={PerRank} C={C} seed={Seed} loads=[{string.Join(" | ", Loads.Select(l => string.Join(",", l)))}]";
}

public sealed class ExpertExchangeTests
{
    private static readonly IBackend Reference = new ReferenceBackend();

    /// <summary>Each of P ranks' rows per expert: zeros often (empty experts), and maybe one rank that sends nothing.</summary>
    private static Gen<int[][]> Loads(int ranks, int experts) =>
        from idle in Gen.Choose(-1, ranks - 1)                                // the rank that sends nothing (-1: none)
        from loads in Gen.ArrayOf(Gen.Choose(0, 3), experts).ArrayOf(ranks)
        select loads.Select((row, r) => r == idle ? new int[experts] : row).ToArray();

    public static Arbitrary<ExchangeCase> Cases() =>
        (from p in Gen.Choose(1, 4)
         from l in Gen.Choose(1, 3)
         from c in Gen.Choose(1, 3)
         from loads in Loads(p, p * l)
         from seed in Gen.Choose(0, 1_000_000)
         select new ExchangeCase(p, l, c, loads, seed)).ToArbitrary();

    [Property(Arbitrary = [typeof(ExpertExchangeTests)], MaxTest = 60)]
    public void Every_row_reaches_its_expert_and_comes_back_in_value_and_gradient(ExchangeCase c)
    {
        var results = ThreadedWorld.Run(c.Ranks, world => RoundTrip(c, world));
        for (int r = 0; r < c.Ranks; r++)
        {
            var (x, seed, y, dx, _) = results[r];
            var expert = ExpertOfRow(c.Loads[r]);
            for (int row = 0; row < expert.Length; row++)
                for (int k = 0; k < c.C; k++)
                {
                    int i = row * c.C + k;
                    double scale = expert[row] + 1;
                    Assert.True(y[i] == scale * x[i], $"{c}: rank {r} row {row} (expert {expert[row]}) came back as {y[i]}, expected {scale} × {x[i]}");
                    Assert.True(dx[i] == scale * seed[i], $"{c}: rank {r} row {row} gradient {dx[i]}, expected {scale} × {seed[i]}");
                }
        }
    }

    [Property(Arbitrary = [typeof(ExpertExchangeTests)], MaxTest = 30)]
    public void Each_local_expert_receives_the_rows_every_rank_routed_to_it(ExchangeCase c)
    {
        var results = ThreadedWorld.Run(c.Ranks, world => RoundTrip(c, world));
        for (int r = 0; r < c.Ranks; r++)
            for (int j = 0; j < c.PerRank; j++)
            {
                int global = r * c.PerRank + j;
                Assert.Equal(c.Loads.Sum(load => load[global]), results[r].LocalLoad[j]);
            }
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 3)]
    public void Ranks_that_do_not_split_the_experts_evenly_are_refused(int experts, int ranks)
    {
        var errors = ThreadedWorld.Run(ranks, world => Assert.Throws<UsageException>(() => new ExpertShards(world, experts)).Message);
        Assert.All(errors, m => Assert.Contains($"{experts} routed experts (n_routed_experts) do not split evenly over {ranks} ranks", m));
    }

    // One rank: rows sorted by global expert (its load), through dispatch, experts (e+1)·I, combine, backward.
    private static (double[] X, double[] Seed, double[] Y, double[] Dx, int[] LocalLoad) RoundTrip(ExchangeCase c, ICommunicator world)
    {
        using var scope = new TensorScope();
        var shards = new ExpertShards(world, c.E);
        int rows = c.Loads[world.Rank].Sum();
        var x = Tensor.RandN([rows, c.C], (ulong)(c.Seed + world.Rank), 0, 1, DType.Float64, Reference);
        var seed = Tensor.RandN([rows, c.C], (ulong)(c.Seed + 100 + world.Rank), 0, 1, DType.Float64, Reference);
        var xp = new Variable(x, requiresGrad: true);
        using var exchange = ExpertExchange.Plan(shards, c.Loads[world.Rank], Reference);
        var received = exchange.Dispatch(xp);                                          // (R, C)
        var scaled = Variable.GroupedMatMul(received, new Variable(ScaledIdentities(shards, c.C)), exchange.Offsets);
        var back = exchange.Combine(scaled);                                           // (rows, C)
        back.Backward(seed);
        return (x.ToArray<double>(), seed.ToArray<double>(), back.Data.ToArray<double>(), xp.Grad!.ToArray<double>(), exchange.LocalLoad);
    }

    // (E/P, C, C): local expert j is (First + j + 1)·I.
    private static Tensor ScaledIdentities(ExpertShards shards, int C)
    {
        var w = new double[shards.PerRank * C * C];
        for (int j = 0; j < shards.PerRank; j++)
            for (int k = 0; k < C; k++) w[(j * C + k) * C + k] = shards.First + j + 1;
        return Tensor.FromArray(w, [shards.PerRank, C, C], Reference);
    }

    // The global expert of each row of an expert-sorted block with this load.
    private static int[] ExpertOfRow(int[] load) => load.SelectMany((count, e) => Enumerable.Repeat(e, count)).ToArray();
}
