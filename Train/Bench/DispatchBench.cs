// DispatchBench (`Benchmarks dispatch [--device vulkan[:N]] [--ops N]`): the cost of one small elementwise op on Vulkan when
// many are queued back to back (µs per op: recording, descriptor push, submit amortised), and the
// Vulkan device opening the quick benchmarks share. (GEMM GFLOPS on any device: `moe bench gemm`.)
// Note: on lavapipe (the CPU Vulkan driver) these numbers say nothing about GPU performance.
using System.Diagnostics;
using System.Globalization;
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.Train.Bench;

public static class DispatchBench
{
    internal static VulkanBackend OpenVulkan(string device)
    {
        // "vulkan" picks the best GPU (falling back to a CPU device, flagged); "vulkan:N" names one.
        int? index = DeviceSelector.VulkanIndex(device);
        var backend = new VulkanBackend(new VulkanOptions { DeviceIndex = index, AllowCpuDevice = true });
        if (backend.Device.Type == VulkanDeviceType.Cpu)
            Console.Error.WriteLine($"note: {backend.Device.Name} is a CPU Vulkan driver: correctness only, not GPU performance");
        return backend;
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
        long submitsBefore = backend.Counters.Submits;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < ops; i++) backend.Binary(BinaryOp.Add, a, b, y);
        backend.Synchronize();
        double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / ops;
        var (submitsAfter, barriers) = (backend.Counters.Submits, backend.Counters.Barriers);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"device\":\"{backend.Name}\",\"name\":\"{backend.Device.Name}\",\"ops\":{ops},\"us_per_op\":{us:F2},\"submits\":{submitsAfter - submitsBefore},\"barriers_total\":{barriers}}}"));
        return 0;
    }
}
