// The Vulkan pipeline cache kept between runs: a backend saves what it compiled, the next one is
// seeded with it and computes the same; bytes from another device, another driver build, another
// header version or a truncated file are ignored with the reason, and the backend still works; the
// on-disk store (Train/Devices/PipelineCacheFiles.cs) round-trips, and never opens a FIFO.
using System.Buffers.Binary;
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class PipelineCacheTests : FuzzFolderTests
{
    /// <summary>Keeps bytes in memory and counts the saves.</summary>
    private sealed class MemoryStore : IPipelineCacheStore
    {
        public Dictionary<string, byte[]> Blobs { get; } = [];
        public int Saves { get; private set; }
        public byte[]? Load(string key) => Blobs.GetValueOrDefault(key);

        public void Save(string key, byte[] data)
        {
            Blobs[key] = data;
            Saves++;
        }
    }

    private static VulkanBackend Open(IPipelineCacheStore store) =>
        new(new VulkanOptions { DeviceIndex = VulkanTestDevice.Backend.Device.Index, AllowCpuDevice = true, PipelineCache = store });

    // Two kernels (elementwise, matmul): (2, 3) @ (3, 2) + 1.
    private static float[] Compute(VulkanBackend gpu)
    {
        using var scope = new TensorScope();
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], gpu);
        var b = Tensor.FromArray(new float[] { 1, -1, 0, 2, 3, 0.5f }, [3, 2], gpu);
        return a.MatMul(b).Add(1).ToArray<float>();
    }

    [VulkanFact]
    public void A_saved_cache_seeds_the_next_backend_which_computes_the_same()
    {
        var store = new MemoryStore();
        float[] first;
        using (var gpu = Open(store))
        {
            Assert.Equal("none saved yet", gpu.PipelineCacheStatus);
            first = Compute(gpu);
            Assert.True(gpu.PipelinesBuilt >= 2);
        }
        var (key, blob) = Assert.Single(store.Blobs);
        Assert.Null(IdentityOf(key).Reject(blob));   // the header names the device and driver the key does
        using (var gpu = Open(store))
        {
            Assert.Equal($"loaded {blob.Length} bytes", gpu.PipelineCacheStatus);
            // Lavapipe keeps no pipeline in its cache (its data is the 32-byte header alone), so there the
            // seeding shows only as this; a GPU driver returns its compiled pipelines after the header.
            Assert.True(gpu.PipelineCacheData().Length >= blob.Length, "the seeded cache holds less than its seed");
            Assert.Equal(first, Compute(gpu));
        }
        Assert.Equal(new float[] { 11, 5.5f, 23, 10 }, first);   // row 0: 1+0+9+1, -1+4+1.5+1; row 1: 4+0+18+1, -4+10+3+1
        Assert.Equal(1, store.Saves);   // the second built only what its seed held: nothing to save
    }

    [VulkanTheory]
    [InlineData("truncated", "shorter than the 32-byte header")]
    [InlineData("version", "header version 2, expected 1")]
    [InlineData("vendor", "written for device")]
    [InlineData("uuid", "another driver build")]
    public void Bytes_this_device_did_not_write_are_ignored_with_the_reason(string damage, string reason)
    {
        var store = new MemoryStore();
        using (var gpu = Open(store)) Compute(gpu);
        var (key, blob) = Assert.Single(store.Blobs);
        store.Blobs[key] = Damage(blob, damage);
        using var seeded = Open(store);
        Assert.StartsWith("ignored (", seeded.PipelineCacheStatus);
        Assert.Contains(reason, seeded.PipelineCacheStatus);
        Assert.Equal(new float[] { 11, 5.5f, 23, 10 }, Compute(seeded));
    }

    private static byte[] Damage(byte[] blob, string damage)
    {
        var copy = (byte[])blob.Clone();
        switch (damage)
        {
            case "truncated": return copy[..20];
            case "version": BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(4), 2); break;
            case "vendor": BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(8)) ^ 1); break;
            case "uuid": copy[16] ^= 0xFF; break;
        }
        return copy;
    }

    // The identity the key names, rebuilt from the key's fields, so the test checks the blob against the key.
    private static PipelineCacheIdentity IdentityOf(string key)
    {
        var parts = key.Split('-');
        return new(Convert.ToUInt32(parts[0], 16), Convert.ToUInt32(parts[1], 16), Convert.ToUInt32(parts[2], 16), Convert.FromHexString(parts[3]));
    }

    [Fact]
    public void The_files_round_trip_and_anything_but_a_regular_file_loads_as_none()
    {
        var files = new PipelineCacheFiles(Path.Combine(Folder.Path, "nested", "cache"));
        Assert.Null(files.Load("k1"));
        files.Save("k1", [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, files.Load("k1"));
        files.Save("k1", [4]);
        Assert.Equal(new byte[] { 4 }, files.Load("k1"));
        Assert.Equal(0, SpecialFileTests.mkfifo(files.PathOf("fifo"), 0b110_000_000));
        Assert.Null(files.Load("fifo"));   // refused unopened: a FIFO would block the read forever
        Directory.CreateDirectory(files.PathOf("folder"));
        Assert.Null(files.Load("folder"));
    }
}
