// GpuUnavailableException: no usable Vulkan (loader, driver, device, or compiled shaders).
// Its message always says what to install, so the person at the terminal can act on it.
// It is not used for API misuse or validation errors (those are VulkanException).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu.Runtime;

public sealed class GpuUnavailableException(string message, Exception? inner = null) : MoeUserException(UserErrorKind.Device, message, inner)
{
    internal const string InstallHint =
        "Install a Vulkan driver: the vendor's driver for a GPU, or `apt install libvulkan1 mesa-vulkan-drivers` " +
        "for the CPU fallback (lavapipe, slow: correctness only).";
}

/// <summary>A Vulkan call failed or the validation layer reported an error; the message names the call.</summary>
public sealed class VulkanException(string message) : Exception(message);
