#!/usr/bin/env bash
# The device checks, as one command for the device tool (prepare with Benchmarks/device/pack.sh):
# what the Vulkan backend does on a real GPU driver, and the PyTorch/cuBLAS peers on the same GPU.
# Each step has its own time limit, so one that hangs costs its limit, not the lease; a failing step
# is recorded and the rest still run. The limits add up to ~505 s, inside a run's 600 (timeout_s 540). Results land in $OUT (at most 8 files come back):
#   summary.txt   each step: exit code and seconds;   host.txt  nvidia-smi, driver, Vulkan devices
#   gradcheck.txt every op on the GPU against CPU float64 finite differences (moe gradcheck)
#   gemm.jsonl    float32 GEMM GFLOPS, ours (Vulkan) then cuBLAS FP32, then cuBLAS FP16 (tensor cores)
#   train.jsonl   tokens/s of whole training steps, ours (Vulkan) then PyTorch eager on CUDA, tiny and small
#   profile.txt   GPU time per shader over small training steps (MOE_VK_PROFILE=1)
# MOE_GPU_DEVICE overrides the device (default "vulkan", the best GPU); `vulkan:0` runs the same
# script on lavapipe, which is how it is tested without a GPU (OUT=/tmp/out MOE_GPU_DEVICE=vulkan:0).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:?set OUT to the folder for the results}
device=${MOE_GPU_DEVICE:-vulkan}
moe=.gpu/moe/moe
summary="$out/summary.txt"

# The Vulkan loader, where the machine has none (the device tool's README), and NVIDIA's ICD.
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$nvidia_icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES=$nvidia_icd; fi

# step NAME_OF_FILE LIMIT_S COMMAND...: appends the command's output to $out/NAME, its verdict to summary.txt
step() {
  local file=$1 limit=$2
  shift 2
  local start=$SECONDS
  echo "\$ $*" >>"$out/$file"
  timeout --kill-after=10 "$limit" "$@" >>"$out/$file" 2>&1
  local rc=$?
  echo "$(date -u +%H:%M:%S) rc=$rc $((SECONDS - start))s ${file}: $*" | tee -a "$summary"
}

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "no nvidia-smi"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
} >"$out/host.txt"
step host.txt 30 "$moe" devices --json
step gradcheck.txt 60 "$moe" gradcheck --device "$device"
step gemm.jsonl 75 "$moe" bench gemm --device "$device" --sizes 256,512,1024,2048,4096 --json
step gemm.jsonl 40 python3 Benchmarks/python/torch_gemm.py --device cuda --sizes 256,512,1024,2048,4096
step gemm.jsonl 30 python3 Benchmarks/python/torch_gemm.py --device cuda --dtype float16 --sizes 1024,2048,4096
for config in tiny small; do
  step train.jsonl 70 "$moe" bench train --config ".gpu/$config.json" --device "$device" --steps 20 --warmup 10 --json
  step train.jsonl 45 python3 Benchmarks/python/torch_train_bench.py --config ".gpu/$config.json" --name "$config" --device cuda --steps 20 --warmup 10
done
step profile.txt 45 env MOE_VK_PROFILE=1 "$moe" bench train --config .gpu/small.json --device "$device" --steps 2 --warmup 1
cat "$summary"
