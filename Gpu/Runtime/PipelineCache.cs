// PipelineCache: compute pipelines built lazily from the embedded SPIR-V and cached per
// (shader, specialization constants). Every kernel binds N storage buffers at set 0, bindings
// 0..N-1, and may push up to 128 bytes of constants (the guaranteed minimum); layouts are shared
// per N. Specialization constants are 32-bit values with constant_id 0, 1, 2, ... in order.
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

/// <summary>A ready pipeline and the layout its descriptors and push constants go through.</summary>
internal sealed record Kernel(string Shader, Pipeline Pipeline, PipelineLayout Layout, DescriptorSetLayout SetLayout, int Bindings);

internal sealed unsafe class PipelineCache : IDisposable
{
    public const int PushConstantBytes = 128;

    private readonly VulkanContext _context;
    private readonly Dictionary<string, ShaderModule> _modules = [];
    private readonly Dictionary<int, (DescriptorSetLayout Set, PipelineLayout Layout)> _layouts = [];
    private readonly Dictionary<string, Kernel> _kernels = [];

    public PipelineCache(VulkanContext context)
    {
        _context = context;
        if (typeof(PipelineCache).Assembly.GetManifestResourceNames().All(n => !n.StartsWith("spv/", StringComparison.Ordinal)))
            throw new GpuUnavailableException(
                "The Vulkan backend was built without its compute shaders because glslc was missing at build time. " +
                "Install it (`apt install glslc`, or the Vulkan SDK) and rebuild.");
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
            var result = _context.Vk.CreateComputePipelines(_context.Device, default, 1, &info, null, &pipeline);
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
        using var stream = typeof(PipelineCache).Assembly.GetManifestResourceStream($"spv/{shader}.spv")
            ?? throw new GpuUnavailableException($"shader '{shader}' is not embedded in {typeof(PipelineCache).Assembly.GetName().Name}; was it compiled (glslc) and named Shaders/{shader}.comp?");
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
        _kernels.Clear();
        _layouts.Clear();
        _modules.Clear();
    }
}
