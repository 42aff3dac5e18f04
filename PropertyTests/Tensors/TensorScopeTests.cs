// TensorScope: a scope disposes every tensor made inside it except those it was told to Keep,
// which move to the enclosing scope; views hold their own storage reference, so disposing the
// tensor a view came from does not free the view's elements.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class TensorScopeTests
{
    [Fact]
    public void DisposesWhatItTrackedAndKeepsWhatItWasTold()
    {
        Tensor a, b, kept;
        double[] values;
        using (var scope = new TensorScope())
        {
            a = Rand([2, 3], 1);
            values = a.ToDoubleArray();
            b = a.Add(a);
            kept = scope.Keep(b.Mul(2.0));
            Assert.True(scope.TrackedCount >= 2);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(values.Select(v => 4 * v), kept.ToDoubleArray());
        kept.Dispose();
        Assert.True(kept.Storage.IsReleased);
    }

    [Fact]
    public void KeepMovesTheTensorToTheEnclosingScope()
    {
        Tensor kept;
        using (var outer = new TensorScope())
        {
            using (var inner = new TensorScope())
                kept = inner.Keep(Rand([4], 2));
            Assert.False(kept.IsDisposed);
            Assert.Equal(1, outer.TrackedCount);
        }
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void AViewOutlivesTheTensorItCameFrom()
    {
        using var scope = new TensorScope();
        var x = Rand([3, 4], 3);
        var expected = x.ToDoubleArray()[4..8];
        var row = x.Select(0, 1);
        x.Dispose();
        Assert.False(x.Storage.IsReleased);
        Assert.Equal(expected, row.ToDoubleArray());
        Assert.Throws<ObjectDisposedException>(() => x.ToDoubleArray());
    }

    [Fact]
    public void UnderSuspendNoScopeTracksANewTensorAndTrackingResumesAfter()
    {
        Tensor cached, afterwards;
        using (var scope = new TensorScope())
        {
            using (TensorScope.Suspend()) cached = Rand([2], 4);
            Assert.Equal(0, scope.TrackedCount);
            afterwards = Rand([2], 5);
            Assert.Equal(1, scope.TrackedCount);
        }
        Assert.False(cached.IsDisposed);
        Assert.True(afterwards.IsDisposed);
        cached.Dispose();
    }
}
