// FuzzFolder: a temporary folder for test inputs, and FuzzFolderTests, the base of test classes
// that own one per test case. Not here: the fuzz property itself (Fuzz.cs).
namespace MoeFromScratch.PropertyTests.Reliability;

/// <summary>
/// A temporary folder for fuzz inputs, in memory (/dev/shm) where there is one: ten thousand
/// rewrites of a file cost seconds on a disk and milliseconds on tmpfs.
/// </summary>
public sealed class FuzzFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(
        Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath(), $"moe-fuzz-{Guid.NewGuid():N}")).FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A test class with its own FuzzFolder per test case (xUnit makes an instance per case and disposes it).</summary>
public abstract class FuzzFolderTests : IDisposable
{
    protected FuzzFolder Folder { get; } = new();

    public void Dispose() => Folder.Dispose();
}
