// The Vulkan cases of the quick benchmarks: `gemm --device vulkan[:N]` times MatMul on the device
// (each repetition ends with Synchronize, so the time covers the GPU work, not just recording),
// and `dispatch [--device vulkan[:N]] [--ops N]` measures the cost of one small elementwise op
// when many are queued back to back (µs per op: recording, descriptor push, submit amortised).
// Note: on lavapipe (the CPU Vulkan driver) these numbers say nothing about GPU performance.
using System.Diagnostics;
using System.Globalization;
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Benchmarks.Quick;

public static partial class GemmQuick
{
    internal static VulkanBackend OpenVulkan(string device)
    {
        // "vulkan" picks the best GPU (falling back to a CPU device, flagged); "vulkan:N" names one.
        int? index = device.Length > "vulkan:".Length ? int.Parse(device["vulkan:".Length..], CultureInfo.InvariantCulture) : null;
        var backend = new VulkanBackend(new VulkanOptions { DeviceIndex = index, AllowCpuDevice = true });
        if (backend.Device.Type == VulkanDeviceType.Cpu)
            Console.Error.WriteLine($"note: {backend.Device.Name} is a CPU Vulkan driver: correctness only, not GPU performance");
        return backend;
    }

    private sealed class VulkanDevice(string name) : IGemmDevice
    {
        private readonly VulkanBackend _backend = OpenVulkan(name);
        private Tensor? _a, _b, _c;

        public void Prepare(int n)
        {
            Free();
            _a = Tensor.Rand([1, n, n], 1, -1, 1, backend: _backend);
            _b = Tensor.Rand([1, n, n], 2, -1, 1, backend: _backend);
            _c = Tensor.Empty([1, n, n], DType.Float32, _backend);
            _backend.Synchronize();
        }

        public void Multiply()
        {
            _backend.MatMul(_a!, _b!, _c!);
            _backend.Synchronize();
        }

        public void Dispose()
        {
            Free();
            _backend.Dispose();
        }

        private void Free()
        {
            _a?.Dispose();
            _b?.Dispose();
            _c?.Dispose();
            _a = _b = _c = null;
        }
    }

    /// <summary>µs per small op (a 256-element add) with `ops` of them queued before one Synchronize.</summary>
    public static int DispatchOverhead(ReadOnlySpan<string> args)
    {
        string device = "vulkan";
        int ops = 2000;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--device") device = args[i + 1];
            else if (args[i] == "--ops") ops = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        using var backend = OpenVulkan(device);
        using var a = Tensor.Rand([256], 1, backend: backend);
        using var b = Tensor.Rand([256], 2, backend: backend);
        using var y = Tensor.Empty([256], DType.Float32, backend);
        for (int i = 0; i < 50; i++) backend.Binary(BinaryOp.Add, a, b, y);   // warm-up: pipeline creation
        backend.Synchronize();
        var (_, submitsBefore, _) = backend.Counters;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++) backend.Binary(BinaryOp.Add, a, b, y);
        backend.Synchronize();
        double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / ops;
        var (_, submitsAfter, barriers) = backend.Counters;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"device\":\"{backend.Name}\",\"name\":\"{backend.Device.Name}\",\"ops\":{ops},\"us_per_op\":{us:F2},\"submits\":{submitsAfter - submitsBefore},\"barriers_total\":{barriers}}}"));
        return 0;
    }
}
