// The analysis math on synthetic routing tables with known answers: the specialisation score is 0
// when every kind routes alike and 1 when kinds use disjoint experts, mutual information matches
// a hand-derived value, and the per-kind view (tokens, lift, JSD) is what its definition says.
// Properties over random tables: NMI stays in [0, 1], I is unchanged by transposing or by
// renumbering the experts.
using MoeFromScratch.Train.Analysis;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class SpecializationTests
{
    private static readonly string[] Kinds = ["prose", "code", "markup"];

    [Fact]
    public void Kinds_that_route_alike_score_exactly_zero()
    {
        // rows proportional to one distribution (different token counts per kind)
        var counts = new long[,] { { 2, 4, 6, 8 }, { 1, 2, 3, 4 }, { 5, 10, 15, 20 } };
        var routing = KindRouting.Of(Kinds, counts, activeExperts: 2);

        Assert.Equal(0.0, routing.MutualInformationBits);
        Assert.Equal(0.0, routing.NormalizedMutualInformation);
        Assert.All(routing.Kinds, k => Assert.Equal(0.0, k.JsdToAll, 15));
        Assert.All(routing.Kinds, k => Assert.All(k.MostOverUsed, p => Assert.Equal(1.0, p.Lift, 12)));
    }

    [Fact]
    public void Kinds_on_disjoint_experts_score_one()
    {
        var counts = new long[,] { { 7, 3, 0, 0, 0 }, { 0, 0, 5, 0, 0 }, { 0, 0, 0, 1, 9 } };
        var routing = KindRouting.Of(Kinds, counts, activeExperts: 1);

        Assert.Equal(1.0, routing.NormalizedMutualInformation!.Value, 12);
        Assert.Equal(routing.KindEntropyBits, routing.MutualInformationBits, 12);   // I = H(kind)
        Assert.Equal(1.0, Specialization.JensenShannonBits([0.7, 0.3, 0, 0], [0, 0, 0.5, 0.5]));
    }

    [Fact]
    public void Mutual_information_of_a_two_by_two_table_matches_the_hand_derivation()
    {
        // p(kind) = p(expert) = 1/2 and p(k, e) = 3/8 on the diagonal: I = 1 − H_b(1/4) bits
        double binaryEntropy = -(0.25 * Math.Log2(0.25) + 0.75 * Math.Log2(0.75));
        Assert.Equal(1 - binaryEntropy, Specialization.MutualInformationBits(new long[,] { { 3, 1 }, { 1, 3 } }), 14);
        Assert.Equal(0.188721875540867, 1 - binaryEntropy, 12);
    }

    [Fact]
    public void The_per_kind_view_counts_tokens_and_lift_and_leaves_out_absent_kinds()
    {
        // K' = 2: prose 10 tokens (20 assignments), code 5 tokens, markup absent
        var counts = new long[,] { { 10, 10, 0 }, { 0, 2, 8 }, { 0, 0, 0 } };
        var routing = KindRouting.Of(Kinds, counts, activeExperts: 2);

        Assert.Equal(["prose", "code"], routing.Kinds.Select(k => k.Kind));
        Assert.Equal([10L, 5L], routing.Kinds.Select(k => k.Tokens));
        // all assignments: 10, 12, 8 of 30; code's expert 2: share 0.8 over 8/30 -> lift 3
        var top = routing.Kinds[1].MostOverUsed[0];
        Assert.Equal((2, 0.8), (top.Expert, top.Share));
        Assert.Equal(3.0, top.Lift, 12);
        Assert.Equal([0.5, 0.5, 0.0], routing.Kinds[0].Share);
    }

    [Fact]
    public void One_kind_alone_has_no_score()
    {
        var routing = KindRouting.Of(Kinds, new long[,] { { 1, 2 }, { 0, 0 }, { 0, 0 } }, activeExperts: 1);
        Assert.Null(routing.NormalizedMutualInformation);
        Assert.Equal(0.0, routing.MutualInformationBits);
    }

    private static Arbitrary<long[,]> Tables() =>
        Gen.Choose(2, 4).SelectMany(rows => Gen.Choose(2, 6).SelectMany(columns =>
            Gen.Choose(0, 50).ArrayOf(rows * columns).Where(v => v.Take(columns).Sum() > 0 && v.Skip(columns).Take(columns).Sum() > 0)
                .Select(v =>
                {
                    var t = new long[rows, columns];
                    for (int i = 0; i < v.Length; i++) t[i / columns, i % columns] = v[i];
                    return t;
                }))).ToArbitrary();

    [Fact]
    public void The_score_stays_in_zero_one_and_ignores_how_tables_are_laid_out() =>
        Prop.ForAll(Tables(), counts =>
        {
            int rows = counts.GetLength(0), columns = counts.GetLength(1);
            var transposed = new long[columns, rows];
            var renumbered = new long[rows, columns];   // experts in reverse order
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    transposed[c, r] = counts[r, c];
                    renumbered[r, columns - 1 - c] = counts[r, c];
                }
            double mi = Specialization.MutualInformationBits(counts);
            var routing = KindRouting.Of(Kinds.Take(rows).Concat(["other"]).Take(rows).ToArray(), counts, activeExperts: 1);
            return routing.NormalizedMutualInformation is >= 0 and <= 1
                && Math.Abs(mi - Specialization.MutualInformationBits(transposed)) < 1e-12
                && Math.Abs(mi - Specialization.MutualInformationBits(renumbered)) < 1e-12;
        }).QuickCheckThrowOnFailure();
}
