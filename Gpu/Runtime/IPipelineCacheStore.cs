// IPipelineCacheStore: where a VulkanBackend keeps its compiled pipelines between runs
// (VulkanOptions.PipelineCache). Building a compute pipeline means the driver compiles SPIR-V to
// the GPU's own code, tens of milliseconds a shader on a real driver; a VkPipelineCache saved at the
// end of one run and handed back at the start of the next skips that. The backend says what the
// bytes are for (a key naming the device and driver) and checks them before the driver sees them
// (PipelineCacheIdentity); the store only keeps bytes. Train/Devices/PipelineCacheFiles.cs is the
// one on disk; tests keep them in memory.
namespace MoeFromScratch.Gpu.Runtime;

public interface IPipelineCacheStore
{
    /// <summary>The bytes last saved under key, or null when there are none (a store that cannot read them says none).</summary>
    byte[]? Load(string key);

    /// <summary>Replaces the bytes under key so that a later Load sees all of them or none.</summary>
    void Save(string key, byte[] data);
}
