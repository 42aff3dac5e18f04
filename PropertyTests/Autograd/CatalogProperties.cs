// Every op of GradCheckCatalog against finite differences, as an FsCheck property per op over
// generated (seed, size): the case generator draws shapes (broadcasting ones, transposed and sliced
// views as inputs) from them. A failure shrinks the size — smaller shapes, same seed — and the
// message names the op, the shapes, the worst element and the (seed, size) to replay it with
// GradCheckCatalog.Find(op).Check(seed, size).

namespace MoeFromScratch.PropertyTests.Autograd;

public sealed record OpCase(int Seed, int Size)
{
    public static Arbitrary<OpCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, 1_000_000)
        from size in Gen.Choose(1, 4)
        select new OpCase(seed, size),
        c => Enumerable.Range(1, c.Size - 1).Select(size => c with { Size = size }));

    public override string ToString() => $"seed {Seed}, size {Size}";
}

public class CatalogProperties
{
    public static TheoryData<string> OpNames() => [.. GradCheckCatalog.Ops.Select(op => op.Name)];

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Gradient_matches_finite_differences(string name)
    {
        var op = GradCheckCatalog.Find(name);
        var property = Prop.ForAll(OpCase.Arbitrary, c =>
        {
            var result = op.Check(c.Seed, c.Size, float64Backend: Float64Backend.Instance);
            if (!result.Passed) throw new Xunit.Sdk.XunitException(result.Message);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12).WithQuietOnSuccess(true), property);
    }

    [Fact]
    public void Catalogue_report_names_op_shapes_and_error()
    {
        var report = GradCheckCatalog.Run("mul", cases: 2, float64Backend: Float64Backend.Instance);
        Assert.Equal("mul", report.Op);
        Assert.Equal(2, report.ShapesTried.Count);
        Assert.True(report.Passed, report.Failure);
        Assert.InRange(report.MaxRelativeError, 0, 1e-5);
    }

    [Fact]
    public void Catalogue_names_are_unique()
    {
        var names = GradCheckCatalog.Ops.Select(op => op.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
    }
}
