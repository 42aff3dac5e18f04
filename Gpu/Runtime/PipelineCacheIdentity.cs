// PipelineCacheIdentity: which device and driver a saved VkPipelineCache belongs to, and the check
// a blob passes before it is handed to vkCreatePipelineCache. Vulkan prefixes the data with
// VkPipelineCacheHeaderVersionOne (spec, "Pipeline Cache Header"), little-endian on the hosts this runs on:
//   offset 0  headerSize     u32   ≥ 32
//   offset 4  headerVersion  u32   1 (VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
//   offset 8  vendorID       u32   VkPhysicalDeviceProperties::vendorID
//   offset 12 deviceID       u32   VkPhysicalDeviceProperties::deviceID
//   offset 16 pipelineCacheUUID u8[16]   changes whenever the driver's compiled code would
// A driver must itself ignore data it cannot use, but checking here too means a truncated or foreign
// file never reaches one that is less careful, and the backend can say why it started cold.
using System.Buffers.Binary;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed record PipelineCacheIdentity(uint VendorId, uint DeviceId, uint DriverVersion, byte[] Uuid)
{
    public const int HeaderBytes = 32;

    /// <summary>The store's key: one blob per device, driver version and cache UUID.</summary>
    public string Key => $"{VendorId:x4}-{DeviceId:x4}-{DriverVersion:x8}-{Convert.ToHexStringLower(Uuid)}";

    /// <summary>Null when blob was written by this device and driver, else why it is not used.</summary>
    public string? Reject(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderBytes) return $"{blob.Length} bytes, shorter than the {HeaderBytes}-byte header";
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if (headerSize < HeaderBytes || headerSize > blob.Length) return $"header size {headerSize} outside {HeaderBytes}..{blob.Length}";
        if (version != 1) return $"header version {version}, expected 1";
        uint vendor = BinaryPrimitives.ReadUInt32LittleEndian(blob[8..]), device = BinaryPrimitives.ReadUInt32LittleEndian(blob[12..]);
        if (vendor != VendorId || device != DeviceId) return $"written for device {vendor:x4}:{device:x4}, this is {VendorId:x4}:{DeviceId:x4}";
        if (!blob.Slice(16, 16).SequenceEqual(Uuid)) return "written by another driver build (pipelineCacheUUID differs)";
        return null;
    }
}
