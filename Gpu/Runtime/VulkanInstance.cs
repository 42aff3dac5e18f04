// VulkanInstance: the loader, one VkInstance, and (with MOE_VK_VALIDATION=1) the Khronos
// validation layer whose error messages are collected and rethrown as VulkanException.
// It is not the device: see VulkanContext. Follows the Vulkan spec's instance setup, nothing more.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed unsafe class VulkanInstance : IDisposable
{
    private const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    private static readonly List<string> _validationErrors = [];
    private DebugUtilsMessengerEXT _messenger;

    public Vk Vk { get; }
    public Instance Handle { get; }
    public bool ValidationEnabled { get; }

    /// <summary>Creates the instance; validation when asked for explicitly or by MOE_VK_VALIDATION=1.</summary>
    public VulkanInstance(bool? validation = null)
    {
        try
        {
            Vk = Vk.GetApi();
            uint probe = 0;
            Vk.EnumerateInstanceExtensionProperties((byte*)null, &probe, null);
        }
        catch (Exception e) when (e is DllNotFoundException or FileNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new GpuUnavailableException($"The Vulkan loader (libvulkan) could not be loaded: {e.Message}. {GpuUnavailableException.InstallHint}", e);
        }

        bool wantValidation = validation ?? Environment.GetEnvironmentVariable("MOE_VK_VALIDATION") == "1";
        ValidationEnabled = wantValidation && HasLayer(ValidationLayer);
        var extensions = new List<string>();
        var available = InstanceExtensions();
        if (ValidationEnabled && available.Contains("VK_EXT_debug_utils")) extensions.Add("VK_EXT_debug_utils");
        // MoltenVK (Apple) lists its device only through the portability enumeration extension.
        bool portability = available.Contains("VK_KHR_portability_enumeration");
        if (portability) extensions.Add("VK_KHR_portability_enumeration");

        var appName = (byte*)SilkMarshal.StringToPtr("MoeFromScratch");
        var app = new ApplicationInfo
        {
            SType = StructureType.ApplicationInfo,
            PApplicationName = appName,
            ApiVersion = Vk.Version12,
        };
        var layerNames = ValidationEnabled ? new[] { ValidationLayer } : [];
        var layers = (byte**)SilkMarshal.StringArrayToPtr(layerNames);
        var exts = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var info = new InstanceCreateInfo
            {
                SType = StructureType.InstanceCreateInfo,
                PApplicationInfo = &app,
                EnabledLayerCount = (uint)layerNames.Length,
                PpEnabledLayerNames = layers,
                EnabledExtensionCount = (uint)extensions.Count,
                PpEnabledExtensionNames = exts,
                Flags = portability ? InstanceCreateFlags.EnumeratePortabilityBitKhr : 0,
            };
            Instance instance;
            var result = Vk.CreateInstance(&info, null, &instance);
            if (result != Result.Success)
                throw new GpuUnavailableException($"vkCreateInstance failed ({result}): no Vulkan driver is installed or it does not support Vulkan 1.2. {GpuUnavailableException.InstallHint}");
            Handle = instance;
        }
        finally
        {
            SilkMarshal.Free((nint)appName);
            SilkMarshal.Free((nint)layers);
            SilkMarshal.Free((nint)exts);
        }
        if (ValidationEnabled && extensions.Contains("VK_EXT_debug_utils")) CreateMessenger();
    }

    public PhysicalDevice[] PhysicalDevices()
    {
        uint count = 0;
        Vk.EnumeratePhysicalDevices(Handle, &count, null);
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* p = devices) Vk.EnumeratePhysicalDevices(Handle, &count, p);
        return devices;
    }

    /// <summary>Throws the validation errors reported since the last call (the layer calls back synchronously).</summary>
    public static void ThrowIfValidationFailed()
    {
        lock (_validationErrors)
        {
            if (_validationErrors.Count == 0) return;
            var message = string.Join("\n", _validationErrors);
            _validationErrors.Clear();
            throw new VulkanException("Vulkan validation: " + message);
        }
    }

    private bool HasLayer(string name)
    {
        uint count = 0;
        Vk.EnumerateInstanceLayerProperties(&count, null);
        var layers = new LayerProperties[count];
        fixed (LayerProperties* p = layers) Vk.EnumerateInstanceLayerProperties(&count, p);
        return layers.Any(l => SilkMarshal.PtrToString((nint)l.LayerName) == name);
    }

    private HashSet<string> InstanceExtensions()
    {
        uint count = 0;
        Vk.EnumerateInstanceExtensionProperties((byte*)null, &count, null);
        var props = new ExtensionProperties[count];
        fixed (ExtensionProperties* p = props) Vk.EnumerateInstanceExtensionProperties((byte*)null, &count, p);
        return props.Select(e => SilkMarshal.PtrToString((nint)e.ExtensionName)!).ToHashSet();
    }

    private void CreateMessenger()
    {
        var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            (nint)Vk.GetInstanceProcAddr(Handle, "vkCreateDebugUtilsMessengerEXT");
        var info = new DebugUtilsMessengerCreateInfoEXT
        {
            SType = StructureType.DebugUtilsMessengerCreateInfoExt,
            MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt | DebugUtilsMessageSeverityFlagsEXT.WarningBitExt,
            MessageType = DebugUtilsMessageTypeFlagsEXT.ValidationBitExt | DebugUtilsMessageTypeFlagsEXT.GeneralBitExt,
            PfnUserCallback = new PfnDebugUtilsMessengerCallbackEXT(&OnMessage),
        };
        DebugUtilsMessengerEXT messenger;
        Check(create(Handle, &info, null, &messenger), "vkCreateDebugUtilsMessengerEXT");
        _messenger = messenger;
    }

    // Errors become exceptions at the next check; warnings go to stderr (they are often performance advice).
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static Bool32 OnMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT type,
        DebugUtilsMessengerCallbackDataEXT* data, void* user)
    {
        var text = SilkMarshal.PtrToString((nint)data->PMessage) ?? "(no message)";
        if (severity.HasFlag(DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt))
            lock (_validationErrors) _validationErrors.Add(text);
        else
            Console.Error.WriteLine("Vulkan validation warning: " + text);
        return false;
    }

    public static void Check(Result result, string call)
    {
        if (result != Result.Success) throw new VulkanException($"{call} failed: {result}");
    }

    public void Dispose()
    {
        if (_messenger.Handle != 0)
        {
            var destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
                (nint)Vk.GetInstanceProcAddr(Handle, "vkDestroyDebugUtilsMessengerEXT");
            destroy(Handle, _messenger, null);
        }
        Vk.DestroyInstance(Handle, null);
        Vk.Dispose();
    }
}
