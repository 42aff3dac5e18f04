// ArrayAssert's rule and report on hand-picked arrays: the first differing elements with their
// multi-index, the max abs and rel error, the replay line; NaN and infinities as the header states;
// a per-element scale in place of |expected|; a length mismatch is a failure, not an exception.
namespace MoeFromScratch.PropertyTests;

public sealed class ArrayAssertTests
{
    [Fact]
    public void A_mismatch_report_names_the_first_differing_elements_and_the_max_errors()
    {
        double[] want = [1, 2, 3, 4, 5, 6];
        double[] got = [1, 2, 3.5, 4, 5, 0];
        var result = ArrayAssert.Check(got, want, new(1e-12, 1e-9), "x", "seed 42", shape: [2, 3]);
        Assert.False(result.Ok);
        Assert.Equal(2, result.Mismatches);
        Assert.Equal(6, result.MaxAbs);
        Assert.Equal(1, result.MaxRel);
        Assert.Contains("at (0, 2): actual 3.5, expected 3,", result.ToString());
        Assert.Contains("at (1, 2): actual 0, expected 6,", result.ToString());
        Assert.Contains("replay: seed 42", result.ToString());
        Assert.True(ArrayAssert.Check(want, want, Tolerance.Exact, "x", shape: [2, 3]).Ok);
        Assert.Throws<Xunit.Sdk.FailException>(() => ArrayAssert.Close(got, want, Tolerance.Exact, "x"));
    }

    [Fact]
    public void NaN_matches_only_an_expected_NaN_and_infinity_only_the_same_infinity()
    {
        Assert.False(ArrayAssert.Check([double.NaN], [1.0], new(1, 1), "x").Ok);
        Assert.False(ArrayAssert.Check([1.0], [double.NaN], new(1, 1), "x").Ok);
        Assert.True(ArrayAssert.Check([double.NaN], [double.NaN], Tolerance.Exact, "x").Ok);
        Assert.True(ArrayAssert.Check([double.PositiveInfinity], [double.PositiveInfinity], Tolerance.Exact, "x").Ok);
        Assert.False(ArrayAssert.Check([double.NegativeInfinity], [double.PositiveInfinity], new(1, 1), "x").Ok);
        Assert.False(ArrayAssert.Check([1e300], [double.PositiveInfinity], new(1, 1), "x").Ok);
    }

    [Fact]
    public void The_bound_is_atol_plus_rtol_times_the_scale()
    {
        Assert.True(ArrayAssert.Check([1.5], [1.0], new(0.25, 0.25), "x").Ok);             // 0.5 ≤ 0.25 + 0.25·1
        Assert.False(ArrayAssert.Check([1.5], [1.0], new(0.25, 0.2), "x").Ok);             // 0.5 > 0.25 + 0.2·1
        Assert.True(ArrayAssert.Check([0.5], [0.0], Tolerance.Relative(0.1), "x", scale: [5]).Ok);   // 0.5 ≤ 0.1·5
        Assert.False(ArrayAssert.Check([0.5], [0.0], Tolerance.Relative(0.1), "x").Ok);    // scale |0|: nothing allowed
    }

    [Fact]
    public void Arrays_of_different_lengths_fail_with_both_lengths()
    {
        var result = ArrayAssert.Check([1.0, 2.0], [1.0], Tolerance.Exact, "x");
        Assert.False(result.Ok);
        Assert.Contains("actual has 2 elements, expected 1", result.ToString());
    }
}
