#!/usr/bin/env bash
# Prepares, on this (SDK) machine, what a session lent a GPU carries to the device machine, which has
# no .NET SDK and no network:
#   .gpu/moe/  the self-contained, trimmed `moe` (the README's publish command), about 44 MB
#   .gl/       the Vulkan loader and GL dispatch packages the device tool's README names (.deb)
# plus .gpu/tiny.json and .gpu/small.json, the configs both sides of the training comparison read.
# (The PyTorch peers, Benchmarks/python/*.py, travel with the working tree.)
# Both are git-ignored. Then, with the device tool:
#   run  command "bash Benchmarks/device/gpu_checks.sh"  carry [".gpu", ".gl"]  timeout_s 540
# Everything the checks print comes back under $OUT (see gpu_checks.sh); record it in
# docs/performance.md with the device, driver, date and command.
set -euo pipefail
cd "$(dirname "$0")/../.."

dotnet publish Train -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true \
  -p:InvariantGlobalization=true -o .gpu/moe
.gpu/moe/moe bench train --config tiny --save-config .gpu/tiny.json >/dev/null
.gpu/moe/moe bench train --config small --save-config .gpu/small.json >/dev/null

mkdir -p .gl /tmp/amd64/partial
apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
apt-get "${apt[@]}" update -qq
(cd .gl && apt-get "${apt[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh .gpu .gl
