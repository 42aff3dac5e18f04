// Tests of batching. The token file holds 0, 1, 2, ... so a window's ids reveal where it starts:
// every row must be consecutive (targets = inputs shifted by one) and inside the file; the same
// seed gives the same batches, and seeking to a saved position resumes exactly.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Train.Data;

public sealed class TokenBatchesTests : IDisposable
{
    private const int Count = 10_000;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"moe-batches-{Guid.NewGuid():N}.tokens");
    private readonly TokenFile _tokens;

    public TokenBatchesTests()
    {
        TokenFile.Write(_path, 65536, [Enumerable.Range(0, Count).ToArray()]);
        _tokens = TokenFile.Open(_path);
    }

    public void Dispose()
    {
        _tokens.Dispose();
        File.Delete(_path);
    }

    [Property(MaxTest = 100)]
    public bool RowsAreConsecutiveWindowsInsideTheFile(PositiveInt b, PositiveInt t, ulong seed, bool sequential)
    {
        int batch = b.Get % 8 + 1, context = t.Get % 300 + 1;
        var batches = new TokenBatches(_tokens, batch, context, seed, sequential ? WindowOrder.Sequential : WindowOrder.Random);
        for (int step = 0; step < 5; step++)
        {
            int[] ids = batches.Next();
            if (ids.Length != batch * (context + 1)) return false;
            for (int row = 0; row < batch; row++)
            {
                var window = ids.AsSpan(row * (context + 1), context + 1);
                if (window[0] < 0 || window[^1] >= Count) return false;
                for (int i = 1; i < window.Length; i++) if (window[i] != window[i - 1] + 1) return false;  // target = next input
            }
        }
        return true;
    }

    [Fact]
    public void SameSeedSameBatchesOtherSeedOtherBatches()
    {
        var a = new TokenBatches(_tokens, 4, 16, 42, WindowOrder.Random);
        var b = new TokenBatches(_tokens, 4, 16, 42, WindowOrder.Random);
        var c = new TokenBatches(_tokens, 4, 16, 43, WindowOrder.Random);
        for (int i = 0; i < 10; i++)
        {
            int[] x = a.Next();
            Assert.Equal(x, b.Next());
            Assert.NotEqual(x, c.Next());
        }
    }

    [Fact]
    public void SeekingToASavedPositionResumesExactly()
    {
        var run = new TokenBatches(_tokens, 4, 16, 7, WindowOrder.Random);
        for (int i = 0; i < 5; i++) run.Next();
        var saved = run.Position;
        var expected = Enumerable.Range(0, 3).Select(_ => run.Next()).ToList();
        var resumed = new TokenBatches(_tokens, 4, 16, 7, WindowOrder.Random);
        resumed.Seek(saved);
        Assert.Equal(expected, Enumerable.Range(0, 3).Select(_ => resumed.Next()));
    }

    [Fact]
    public void SequentialWindowsTileTheFileThenWrap()
    {
        var batches = new TokenBatches(_tokens, 3, 1000, 0, WindowOrder.Sequential);  // 9 windows of 1000 (+1)
        Assert.Equal(3, batches.BatchesPerPass);
        var starts = Enumerable.Range(0, 4).SelectMany(s => batches.WindowStarts(s)).ToList();
        Assert.Equal([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 0, 1000, 2000], starts);
    }

    [Fact]
    public void TooFewTokensForOneWindowIsAnError() =>
        Assert.Throws<DataException>(() => new TokenBatches(_tokens, 1, Count, 0, WindowOrder.Random));
}
