// Tests of the GEMM's cache blocking (Tensors/Cpu/Gemm/GemmBlocking.cs, HostCaches.cs): for any
// caches the blocks fill at most the half of each level the model gives them (unless held at the
// floor), step as the loops do, and stay in range; a fake sysfs tree reads back as written; the
// override is parsed or refused. The multiply itself with these blocks is GemmTests' concern.
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.PropertyTests.Cpu;

public sealed class GemmBlockingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moe-caches-").FullName;

    [Property(MaxTest = 300)]
    public Property Blocks_fit_half_of_each_cache_level_and_step_as_the_loops_do()
    {
        var cases = from l1 in Gen.Choose(8, 256)            // KiB
                    from l2 in Gen.Choose(128, 8192)
                    from l3 in Gen.Choose(256, 65536)
                    from elementSize in Gen.Elements(4, 8)
                    from mr in Gen.Elements(4, 6)
                    from nr in Gen.Elements(4, 8, 16, 32)
                    select (Caches: new HostCaches((long)l1 << 10, (long)l2 << 10, (long)l3 << 10, "test"), elementSize, mr, nr);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var b = GemmBlocking.For(c.Caches, c.elementSize, c.mr, c.nr);
            bool pcFits = b.PC == 64 || (long)b.PC * c.nr * c.elementSize <= c.Caches.L1Data / 2;
            bool mcFits = b.MC == c.mr || (long)b.MC * b.PC * c.elementSize <= c.Caches.L2 / 2;
            bool ncFits = b.NC == c.nr || (long)b.NC * b.PC * c.elementSize <= c.Caches.L3PerCore / 2;
            bool steps = b.PC % 8 == 0 && b.MC % c.mr == 0 && b.NC % c.nr == 0;
            bool ranges = b.PC is >= 64 and <= 1024 && b.MC is >= 4 and <= 1020 && b.NC <= 8192;
            // and as large as allowed: one more step would not fit (or would leave the range)
            bool pcTight = b.PC == 1024 || (long)(b.PC + 8) * c.nr * c.elementSize > c.Caches.L1Data / 2;
            return (pcFits && mcFits && ncFits && steps && ranges && pcTight).Label($"{c} -> {b}");
        });
    }

    [Fact]
    public void The_zen3_host_gets_the_depth_its_sweep_chose()
    {
        // 32 KiB L1d, 512 KiB L2, 32 MiB L3 over 2 CPUs; float32 on the AVX2 kernel (6 × 16)
        var b = GemmBlocking.For(new HostCaches(32 << 10, 512 << 10, 16 << 20, "test"), elementSize: 4, mr: 6, nr: 16);
        Assert.Equal(new GemmBlocking(256, 252, 8192), b);
    }

    [Fact]
    public void A_sysfs_tree_reads_back_with_the_l3_shared_out_and_the_instruction_cache_ignored()
    {
        WriteIndex(0, level: 1, "Data", "48K", "0");
        WriteIndex(1, level: 1, "Instruction", "32K", "0");
        WriteIndex(2, level: 2, "Unified", "2048K", "0");
        WriteIndex(3, level: 3, "Unified", "105M", "0-27,56-83");
        var caches = HostCaches.Read(_root);
        Assert.Equal(new HostCaches(48 << 10, 2 << 20, (105L << 20) / 56, "sysfs"), caches);
    }

    [Fact]
    public void A_missing_tree_or_level_falls_back_to_the_defaults()
    {
        Assert.Equal(HostCaches.Defaults, HostCaches.Read(Path.Combine(_root, "absent")));
        WriteIndex(0, level: 2, "Unified", "1024K", "0");
        Assert.Equal(HostCaches.Defaults with { L2 = 1 << 20, Source = "sysfs" }, HostCaches.Read(_root));
    }

    [Theory]
    [InlineData("256,144,4096", 256, 144, 4096)]
    [InlineData("300,100,1000", 300, 96, 992)]    // MC and NC rounded down to mr = 6 and nr = 16
    public void The_override_gives_the_blocks(string text, int pc, int mc, int nc) =>
        Assert.Equal(new GemmBlocking(pc, mc, nc), GemmBlocking.Parse(text, mr: 6, nr: 16));

    [Theory]
    [InlineData("256,144")]
    [InlineData("256,x,4096")]
    [InlineData("0,144,4096")]
    [InlineData("256,5,4096")]
    public void A_malformed_override_is_refused_with_what_was_expected(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => GemmBlocking.Parse(text, mr: 6, nr: 16));
        Assert.Contains("expected PC,MC,NC", e.Message);
        Assert.Contains(text, e.Message);
    }

    private void WriteIndex(int index, int level, string type, string size, string sharedCpus)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, $"index{index}")).FullName;
        File.WriteAllText(Path.Combine(folder, "level"), $"{level}\n");
        File.WriteAllText(Path.Combine(folder, "type"), $"{type}\n");
        File.WriteAllText(Path.Combine(folder, "size"), $"{size}\n");
        File.WriteAllText(Path.Combine(folder, "shared_cpu_list"), $"{sharedCpus}\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
