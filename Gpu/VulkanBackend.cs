// VulkanBackend: IBackend on one Vulkan device. This file holds the plumbing every kernel shares:
// construction and teardown, memory (pool-backed storages, staged upload and read-back) and the
// helpers that bind tensors and dispatch. The kernels live in partial files named by IBackend
// section, as in the other backends (VulkanBackend.Creation.cs ... VulkanBackend.AdamW.cs), each
// with its GLSL in Shaders/. Those files open alike on purpose (CheckFloat32, nothing to do for an
// empty output, dense inputs, a push block, one Dispatch): the shape of every kernel here.
// Float32 and Int32, and BFloat16 where the device has 16-bit storage (VulkanBackend.Bf16.cs says which
// kernels run on bf16 words and which widen); Supports(Float64) is false and the Tensor API reports it.
// Not thread-safe: drive one backend from one thread.
using System.Runtime.InteropServices;
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend : IBackend
{
    private const uint ElementwiseGroupSize = 256;
    private const uint MaxGroups = 65535;   // maxComputeWorkGroupCount[0] is at least this

    private readonly VulkanContext _context;
    private readonly MemoryPool _pool;
    private readonly CommandStream _stream;
    private readonly KernelCache _pipelines;
    private readonly IPipelineCacheStore? _pipelineStore;
    private readonly byte[]? _pipelineSeed;
    private readonly KernelProfile? _profile;
    private TimestampQueries? _timestamps;   // made at the first MarkTime
    private bool _disposed;

    public VulkanBackend(VulkanOptions? options = null)
    {
        options ??= new VulkanOptions();
        _context = new VulkanContext(options);
        try
        {
            (_pipelines, _pipelineSeed, PipelineCacheStatus) = OpenKernelCache(_context, options.PipelineCache);
            _pipelineStore = options.PipelineCache;
            _pool = new MemoryPool(_context, options.PoolBlockBytes, options.MemoryLimitBytes);
            _stream = new CommandStream(_context, _context.PushDescriptors ? options.DispatchesPerSubmit : Math.Min(options.DispatchesPerSubmit, 256), options.StagingBytes);
        }
        catch
        {
            _pipelines?.Dispose();
            _context.Dispose();
            throw;
        }
        _profile = KernelProfile.For(options);
        Name = $"vulkan:{_context.Info.Index}";
    }

    public string Name { get; }

    /// <summary>What became of the saved pipeline cache: "none kept", "none saved yet", "loaded N bytes" or "ignored (why)".</summary>
    public string PipelineCacheStatus { get; }

    /// <summary>Pipelines built so far by this backend (each a driver compile unless the seeded cache had it).</summary>
    public int PipelinesBuilt => _pipelines.Built;

    /// <summary>What the device reported (name, driver, limits).</summary>
    public VulkanDeviceInfo Device => _context.Info;

    /// <summary>True when the Khronos validation layer is active (its errors throw VulkanException).</summary>
    public bool ValidationEnabled => _context.Instance.ValidationEnabled;

    /// <summary>Pool bytes held by live storages: flat across training steps when nothing leaks.</summary>
    public long BytesInUse => _pool.BytesInUse;

    /// <summary>Device memory the pool holds in blocks, in use or free: grows only when a block is added.</summary>
    public long BytesReserved => _pool.BytesReserved;

    /// <summary>Device memory a new tensor could still get (a free block's room not counted): what a run is checked against.</summary>
    public long BytesAvailable => _pool.BytesAvailable;

    /// <summary>Counters for tests and benchmarks: dispatches, barriers, submits, host waits, read-backs, bytes each way, staging buffers.</summary>
    public VulkanCounters Counters => _stream.Counters;

    /// <summary>Dispatches so far per kernel (the shader, or shader.Op for unary, binary and reduce): where the dispatches go.</summary>
    public IReadOnlyDictionary<string, long> DispatchesByKernel => _stream.DispatchesByKernel();

    /// <summary>The most pool bytes live tensors held since the backend was made or ResetPeak was called.</summary>
    public long PeakBytesInUse => _pool.PeakBytesInUse;

    public void ResetPeak() => _pool.ResetPeak();

    private static void CheckOp<TOp>(TOp op) where TOp : struct, Enum
    {
        if (!Enum.IsDefined(op))
            throw new ArgumentOutOfRangeException(nameof(op), op, $"vulkan: unknown {typeof(TOp).Name} {Convert.ToInt32(op)}");
    }

    // ---- memory ---------------------------------------------------------------------------------

    public Storage Allocate(DType dtype, long length)
    {
        if (!Supports(dtype))
            throw new NotSupportedException(Unsupported(dtype));
        return new VulkanStorage(this, _pool, dtype, length);
    }

    public void Upload<T>(Storage destination, long offset, ReadOnlySpan<T> source) where T : unmanaged =>
        _stream.Upload(Own(destination).Range, offset * destination.DType.SizeInBytes(), MemoryMarshal.AsBytes(source));

    public void Download<T>(Storage source, long offset, Span<T> destination) where T : unmanaged =>
        _stream.Download(Own(source).Range, offset * source.DType.SizeInBytes(), MemoryMarshal.AsBytes(destination));

    public void Synchronize() => _stream.Synchronize();

    /// <summary>Whether the compute queue writes timestamps, so MarkTime / ReadTimes can time queued work.</summary>
    public bool HasTimestamps => _context.TimestampValidBits > 0;

    /// <summary>Most marks between two ReadTimes.</summary>
    public const int TimeMarks = 16;

    /// <summary>Marks, in the queue, the end of the work queued so far (a timestamp query; no wait).</summary>
    public void MarkTime()
    {
        if (!HasTimestamps) throw new NotSupportedException($"{Name}: the compute queue of {Device.Name} writes no timestamps");
        (_timestamps ??= new TimestampQueries(_context, TimeMarks)).Mark(_stream);
    }

    /// <summary>The device time between consecutive marks since the last ReadTimes; waits for the queue once.</summary>
    public TimeSpan[] ReadTimes() => _timestamps?.Read(_stream) ?? [];

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _profile?.Print(Console.Error, $"{Name} {Device.Name}");
        DisposeRopeTables();
        _stream.Dispose();      // waits for the queue first
        _timestamps?.Dispose();
        SavePipelineCache();
        _pipelines.Dispose();
        _pool.Dispose();
        _context.Dispose();
    }

    /// <summary>The kernel cache, seeded from store when it holds bytes this device and driver wrote.</summary>
    private static (KernelCache, byte[]? Seed, string Status) OpenKernelCache(VulkanContext context, IPipelineCacheStore? store)
    {
        if (store is null) return (new KernelCache(context, null), null, "none kept");
        var saved = store.Load(context.CacheIdentity.Key);
        if (saved is null) return (new KernelCache(context, null), null, "none saved yet");
        string? why = context.CacheIdentity.Reject(saved);
        return why is null
            ? (new KernelCache(context, saved), saved, $"loaded {saved.Length} bytes")
            : (new KernelCache(context, null), null, $"ignored ({why})");
    }

    /// <summary>The VkPipelineCache's bytes now (tests: a seeded cache holds its seed before anything is built).</summary>
    internal byte[] PipelineCacheData() => _pipelines.Data();

    /// <summary>Hands the cache's bytes to the store when this run built pipelines the seed did not hold.</summary>
    private void SavePipelineCache()
    {
        if (_pipelineStore is null || _pipelines.Built == 0) return;
        var data = _pipelines.Data();
        if (_pipelineSeed is null || !data.AsSpan().SequenceEqual(_pipelineSeed)) _pipelineStore.Save(_context.CacheIdentity.Key, data);
    }

    // ---- helpers shared by the kernels ----------------------------------------------------------

    private VulkanStorage Own(Storage storage) =>
        storage as VulkanStorage is { } s && s.Backend == this ? s
            : throw new ArgumentException($"{Name}: storage belongs to {storage.Backend.Name}");

    private Binding Read(Tensor t) => new(Own(t.Storage).Range, Written: false);
    private Binding Write(Tensor t) => new(Own(t.Storage).Range, Written: true);

    private Kernel Kernel(string shader, int bindings, params uint[] specialization) =>
        _pipelines.Get(shader, bindings, specialization);

    /// <summary>The shaders' DT_F32, DT_I32, DT_BF16 (common.glsl, bf16.glsl).</summary>
    private static uint DTypeCode(Tensor t) => t.DType switch { DType.Int32 => 1u, DType.BFloat16 => 2u, _ => 0u };

    /// <summary>Groups for a grid-stride loop over n items: enough to cover them, at most MaxGroups.</summary>
    private static uint GroupsFor(long n, uint groupSize) => (uint)Math.Clamp((n + groupSize - 1) / groupSize, 1, MaxGroups);

    /// <summary>Records one dispatch; label names it in the per-kernel counts (the shader when null); the profile books by shader.</summary>
    private void Dispatch(Kernel kernel, Binding[] bindings, PushConstants push, uint groupsX, uint groupsY = 1, uint groupsZ = 1, string? label = null)
    {
        label ??= kernel.Shader;
        if (_profile is null) _stream.Dispatch(kernel, label, bindings, push.Bytes, groupsX, groupsY, groupsZ);
        else _profile.Time(kernel.Shader, _stream, () => _stream.Dispatch(kernel, label, bindings, push.Bytes, groupsX, groupsY, groupsZ));
    }

    /// <summary>A contiguous tensor with x's elements: x itself (a new view) or a device copy. Caller disposes.</summary>
    private Tensor Dense(Tensor x) => x.IsContiguous ? x.Alias() : x.Contiguous();

    private static void CheckFloat32(string op, params Tensor[] tensors)
    {
        foreach (var t in tensors)
            if (t.DType != DType.Float32)
                throw new NotSupportedException($"{op}: the Vulkan kernel takes float32, got {t.DType.Name()} {Shape.Format(t.Shape)}");
    }
}
