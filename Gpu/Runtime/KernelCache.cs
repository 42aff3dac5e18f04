// KernelCache: compute pipelines built lazily from the embedded SPIR-V and kept per (shader,
// specialization constants) for the backend's lifetime. Every kernel binds N storage buffers at set 0,
// bindings 0..N-1, and may push up to 128 bytes of constants (the guaranteed minimum); layouts are
// shared per N. Specialization constants are 32-bit values with constant_id 0, 1, 2, ... in order.
// Pipelines are built through one VkPipelineCache, seeded with an earlier run's bytes when the
// backend has them (IPipelineCacheStore.cs); Data() returns its bytes for the next run.
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

/// <summary>A ready pipeline and the layout its descriptors and push constants go through.</summary>
internal sealed record Kernel(string Shader, Pipeline Pipeline, PipelineLayout Layout, DescriptorSetLayout SetLayout, int Bindings);

internal sealed unsafe class KernelCache : IDisposable
{
    public const int PushConstantBytes = 128;

    private readonly VulkanContext _context;
    private readonly Dictionary<string, ShaderModule> _modules = [];
    private readonly Dictionary<int, (DescriptorSetLayout Set, PipelineLayout Layout)> _layouts = [];
    private readonly Dictionary<string, Kernel> _kernels = [];
    private readonly PipelineCache _driverCache;

    /// <param name="initialData">An earlier run's Data() for this device (PipelineCacheIdentity checked it), or null.</param>
    public KernelCache(VulkanContext context, byte[]? initialData)
    {
        _context = context;
        if (typeof(KernelCache).Assembly.GetManifestResourceNames().All(n => !n.StartsWith("spv/", StringComparison.Ordinal)))
            throw new GpuUnavailableException(
                "The Vulkan backend was built without its compute shaders because glslc was missing at build time. " +
                "Install it (`apt install glslc`, or the Vulkan SDK) and rebuild.");
        fixed (byte* data = initialData)
        {
            var info = new PipelineCacheCreateInfo
            {
                SType = StructureType.PipelineCacheCreateInfo,
                InitialDataSize = (nuint)(initialData?.Length ?? 0),
                PInitialData = data,
            };
            PipelineCache cache;
            VulkanInstance.Check(context.Vk.CreatePipelineCache(context.Device, &info, null, &cache), "vkCreatePipelineCache");
            _driverCache = cache;
        }
    }

    /// <summary>Pipelines built by this backend so far (each is a driver compile, or a hit in the seeded cache).</summary>
    public int Built => _kernels.Count;

    /// <summary>The VkPipelineCache's bytes (header first), for IPipelineCacheStore.Save.</summary>
    public byte[] Data()
    {
        nuint size = 0;
        VulkanInstance.Check(_context.Vk.GetPipelineCacheData(_context.Device, _driverCache, &size, null), "vkGetPipelineCacheData");
        var data = new byte[(int)size];
        fixed (byte* p = data)
            VulkanInstance.Check(_context.Vk.GetPipelineCacheData(_context.Device, _driverCache, &size, p), "vkGetPipelineCacheData");
        return data.AsSpan(0, (int)size).ToArray();
    }

    public Kernel Get(string shader, int bindings, ReadOnlySpan<uint> specialization)
    {
        string key = shader + ":" + bindings + ":" + string.Join(",", specialization.ToArray());
        if (_kernels.TryGetValue(key, out var kernel)) return kernel;
        var (set, layout) = Layout(bindings);
        var entries = new SpecializationMapEntry[specialization.Length];
        for (int i = 0; i < entries.Length; i++)
            entries[i] = new SpecializationMapEntry((uint)i, (uint)(4 * i), 4);
        var entry = (byte*)SilkMarshal.StringToPtr("main");
        Pipeline pipeline;
        fixed (SpecializationMapEntry* e = entries)
        fixed (uint* data = specialization)
        {
            var spec = new SpecializationInfo((uint)entries.Length, e, (nuint)(4 * specialization.Length), data);
            var info = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Stage = new PipelineShaderStageCreateInfo
                {
                    SType = StructureType.PipelineShaderStageCreateInfo,
                    Stage = ShaderStageFlags.ComputeBit,
                    Module = Module(shader),
                    PName = entry,
                    PSpecializationInfo = &spec,
                },
                Layout = layout,
            };
            var result = _context.Vk.CreateComputePipelines(_context.Device, _driverCache, 1, &info, null, &pipeline);
            SilkMarshal.Free((nint)entry);
            VulkanInstance.Check(result, $"vkCreateComputePipelines({shader})");
        }
        VulkanInstance.ThrowIfValidationFailed();
        kernel = new Kernel(shader, pipeline, layout, set, bindings);
        _kernels[key] = kernel;
        return kernel;
    }

    private ShaderModule Module(string shader)
    {
        if (_modules.TryGetValue(shader, out var module)) return module;
        using var stream = typeof(KernelCache).Assembly.GetManifestResourceStream($"spv/{shader}.spv")
            ?? throw new GpuUnavailableException($"shader '{shader}' is not embedded in {typeof(KernelCache).Assembly.GetName().Name}; was it compiled (glslc) and named Shaders/{shader}.comp?");
        var code = new byte[stream.Length];
        stream.ReadExactly(code);
        fixed (byte* p = code)
        {
            var info = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)code.Length, PCode = (uint*)p };
            VulkanInstance.Check(_context.Vk.CreateShaderModule(_context.Device, &info, null, &module), $"vkCreateShaderModule({shader})");
        }
        _modules[shader] = module;
        return module;
    }

    private (DescriptorSetLayout, PipelineLayout) Layout(int bindings)
    {
        if (_layouts.TryGetValue(bindings, out var found)) return found;
        var slots = new DescriptorSetLayoutBinding[bindings];
        for (int i = 0; i < bindings; i++)
            slots[i] = new DescriptorSetLayoutBinding((uint)i, DescriptorType.StorageBuffer, 1, ShaderStageFlags.ComputeBit);
        DescriptorSetLayout set;
        fixed (DescriptorSetLayoutBinding* b = slots)
        {
            var info = new DescriptorSetLayoutCreateInfo
            {
                SType = StructureType.DescriptorSetLayoutCreateInfo,
                Flags = _context.PushDescriptors ? DescriptorSetLayoutCreateFlags.PushDescriptorBitKhr : 0,
                BindingCount = (uint)bindings,
                PBindings = b,
            };
            VulkanInstance.Check(_context.Vk.CreateDescriptorSetLayout(_context.Device, &info, null, &set), "vkCreateDescriptorSetLayout");
        }
        var range = new PushConstantRange(ShaderStageFlags.ComputeBit, 0, PushConstantBytes);
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &set,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &range,
        };
        PipelineLayout layout;
        VulkanInstance.Check(_context.Vk.CreatePipelineLayout(_context.Device, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
        _layouts[bindings] = (set, layout);
        return (set, layout);
    }

    public void Dispose()
    {
        var vk = _context.Vk;
        foreach (var k in _kernels.Values) vk.DestroyPipeline(_context.Device, k.Pipeline, null);
        foreach (var (set, layout) in _layouts.Values)
        {
            vk.DestroyPipelineLayout(_context.Device, layout, null);
            vk.DestroyDescriptorSetLayout(_context.Device, set, null);
        }
        foreach (var m in _modules.Values) vk.DestroyShaderModule(_context.Device, m, null);
        vk.DestroyPipelineCache(_context.Device, _driverCache, null);
        _kernels.Clear();
        _layouts.Clear();
        _modules.Clear();
    }
}
