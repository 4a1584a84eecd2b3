#!/usr/bin/env bash
# The GPU tier's run on a machine with a CUDA driver and no Java (prepared here by prepare.sh; carry .devrun):
#   1. env:    the device, the driver, where libcuda is
#   2. tests:  CudaDeviceMemoryTest and GpuTierTest on device 0, and the chain tests (GpuChainTest, DeviceLoadDumpTest)
#              with their GPU tier on cuda:0 instead of the host stand-in
#   3. probe:  the GPU tier's staged copies per chunk size and worker count (StagingProbe)
#   4. replay: a bounded replay of the conversation trace with the GPU tier (cuda:0) above memory, every read verified
#   5. bench:  kvgrid bench --only memcpy,gpu (tier copies against raw cuMemcpy and the host's share of them,
#              loads into device buffers)
# Each step is bounded by a timeout and the next one runs whatever the last gave; everything lands in $OUT.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${OUT:-/tmp/kvgrid-gpu-run}"
mkdir -p "$out"
jre=/tmp/kvgrid-jre
rm -rf "$jre" && mkdir -p "$jre" && tar -xJf .devrun/jre.tar.xz -C "$jre" --strip-components=1
java="$jre/bin/java"
read -r -a flags < .devrun/jvm.flags
jvm=(-Xms1g -Xmx6g -XX:+UseG1GC -XX:G1HeapRegionSize=16m -XX:MaxDirectMemorySize=4g -DIGNITE_PAGE_LOCK_TRACKER_TYPE=-1
     -Djava.io.tmpdir=/tmp "${flags[@]}")
cp=".devrun/gpu-tests:.devrun/lib/*"
export GLIBC_TUNABLES=glibc.malloc.hugetlb=1
device="${KVGRID_GPU_DEVICE:-cuda:0}"

{
  date -u '+%Y-%m-%dT%H:%M:%SZ'
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv 2>&1
  nproc; free -g | head -2
  ldconfig -p | grep -E 'libcuda\.so' || find / -name 'libcuda.so*' -not -path '/proc/*' 2>/dev/null | head -3
  "$java" -version 2>&1
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

echo "== tests"
timeout 150 "$java" "${jvm[@]}" -Dkvgrid.test.gpu.device="$device" -cp "$cp" \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree \
  --config=junit.jupiter.execution.timeout.default=3m \
  --select-class=io.kvgrid.gpu.CudaDeviceMemoryTest --select-class=io.kvgrid.gpu.GpuTierTest \
  --select-class=io.kvgrid.grid.GpuChainTest --select-class=io.kvgrid.grid.DeviceLoadDumpTest \
  > "$out/tests.txt" 2>&1
echo "tests exit $?"; grep -E 'tests (successful|failed|skipped|aborted)|✘|↷' "$out/tests.txt" | head -40

if [[ "${KVGRID_GPU_PROBE:-1}" != 0 ]]; then    # KVGRID_GPU_PROBE=0 leaves it out (25 s of a short lease)
  echo "== staging probe"
  timeout 60 "$java" "${jvm[@]}" -cp "$cp" io.kvgrid.gpu.StagingProbe > "$out/probe.txt" 2>&1
  echo "probe exit $?"; grep -v WARNING "$out/probe.txt"
fi

echo "== replay"
trace=(); [[ -f .devrun/conversation_trace.jsonl ]] && trace=(--trace .devrun/conversation_trace.jsonl)
timeout 100 "$java" "${jvm[@]}" -cp "$cp" io.kvgrid.examples.KvGridCli replay "${trace[@]}" --bytes-per-token 4096 \
  --max-requests 500 --capacity-blocks 1000 --gpu-bytes 1073741824 --gpu-device "$device" --json \
  > "$out/replay.txt" 2>&1
echo "replay exit $?"; tail -c 3000 "$out/replay.txt"

echo "== bench"
timeout 240 "$java" "${jvm[@]}" -Xms4g -XX:+AlwaysPreTouch -cp "$cp" io.kvgrid.examples.KvGridCli bench --only memcpy,gpu --json \
  > "$out/bench.json" 2> "$out/bench.txt"
echo "bench exit $?"; tail -c 2500 "$out/bench.txt"; cat "$out/bench.json"
