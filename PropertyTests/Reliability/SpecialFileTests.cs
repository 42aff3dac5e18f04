// Paths that are not regular files: a FIFO (opening it would block until a writer came) and
// /dev/zero (reading it never ends). Given as --data or as a token file, each must be refused (or
// read as empty) at once, never hang or allocate without bound.
using System.Runtime.InteropServices;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class SpecialFileTests : FuzzFolderTests
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);

    public static TheoryData<string> Kinds => new() { "fifo", "/dev/zero" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_fifo_or_device_is_refused_without_blocking(string kind)
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = kind == "fifo" ? Folder.File("pipe.txt") : kind;
        if (kind == "fifo") Assert.Equal(0, mkfifo(path, 0b110_000_000));
        var data = Task.Run(() => Assert.Throws<DataException>(() => TextFilesCorpus.Load(path)));
        var tokens = Task.Run(() => Assert.Throws<DataException>(() => TokenFile.Open(path)));
        var errors = await Task.WhenAll(data, tokens).WaitAsync(TimeSpan.FromSeconds(10)); // TimeoutException: it blocked
        Assert.All(errors, e => Assert.Contains(path, e.Message));
    }
}
