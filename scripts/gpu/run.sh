#!/usr/bin/env bash
# The GPU check on a lent GPU machine (issue 26): no Node.js there and no registry, so everything comes from
# gpu-pack/ (made here by `node scripts/gpu/pack.js`; carry it: `carry: ["gpu-pack"]`). Unpacks into a temporary
# folder — node (xz -d), onnxruntime-node's native files into the bundle's dist/node_modules, the .deb files
# (dpkg -x, never into /) — finds the NVIDIA Vulkan driver, sets LD_LIBRARY_PATH and runs scripts/gpu/check.js
# with the unpacked node: WebGPU against the CPU provider (loss, gradient, H·v to 1e-4) on the reference MLP
# and a small CNN, then the speed table; and the CLI bundle's `diagnose --ep webgpu` on examples/mlp.
# Without xz or dpkg there, python3 (lzma, tarfile) unpacks instead. The folder is removed at the end
# (KEEP=1 keeps it). Exit status: check.js's (0 only when the GPU provider ran and agreed).
#
#   bash scripts/gpu/run.sh [check.js options, e.g. --providers webgpu --reps 20]
#   npm run test:gpu        here: build, pack, then this script (no GPU here: the WebGPU rows fail, the CPU rows print)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PACK="${GPU_PACK:-$ROOT/gpu-pack}"
if [ ! -f "$PACK/manifest.json" ]; then
  echo "run.sh: $PACK/manifest.json is missing: run 'node scripts/gpu/pack.js' on a machine with Node.js first, and carry gpu-pack/" >&2
  exit 2
fi
TMP="$(mktemp -d "${TMPDIR:-/tmp}/landscape-gpu.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then echo "unpacked into $TMP (kept)"; else trap 'rm -rf "$TMP"' EXIT; fi
die() { echo "run.sh: $*" >&2; exit 2; }

unxz_to() { # unxz_to FILE.xz OUT
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
untar_xz() { # untar_xz FILE.tar.xz DIR
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" | tar -C "$2" -xf -
  else python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"; fi
}
undeb() { # undeb FILE.deb DIR
  if command -v dpkg >/dev/null 2>&1; then dpkg -x "$1" "$2"
  else python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'!<arch>\n', 'not a .deb'
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/'); size = int(data[pos + 48:pos + 58].decode().strip()); pos += 60
    if name.startswith('data.tar'):
        mode = 'r:xz' if name.endswith('.xz') else 'r:gz' if name.endswith('.gz') else 'r:'
        tarfile.open(fileobj=io.BytesIO(data[pos:pos + size]), mode=mode).extractall(sys.argv[2])
    pos += size + (size & 1)
PY
  fi
}
has_lib() { # the dynamic loader finds $1 on this machine without our help
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q " $1 " && return 0
  for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /usr/lib; do [ -e "$d/$1" ] && return 0; done
  return 1
}

echo "── unpacking $(basename "$PACK")/ into $TMP ──"
t0=$(date +%s)
mkdir -p "$TMP/bin" "$TMP/deb" || die "cannot create $TMP"
unxz_to "$PACK/node.xz" "$TMP/bin/node" && chmod +x "$TMP/bin/node" || die "cannot unpack node"
untar_xz "$PACK/dist.tar.xz" "$TMP" || die "cannot unpack dist.tar.xz"
for f in "$PACK"/ort/napi-v*/*.xz; do
  napi="$(basename "$(dirname "$f")")"
  dest="$TMP/dist/node_modules/onnxruntime-node/bin/$napi/linux/x64"
  mkdir -p "$dest" && unxz_to "$f" "$dest/$(basename "$f" .xz)" || die "cannot unpack $f"
done
for f in "$PACK"/debs/*.deb; do
  pkg="$(basename "$f" | cut -d_ -f1)"
  undeb "$f" "$TMP/deb/$pkg" || die "cannot unpack $f"
done
echo "  done in $(( $(date +%s) - t0 )) s ($(command -v xz >/dev/null 2>&1 && echo xz || echo "python3's lzma: no xz here"), $(command -v dpkg >/dev/null 2>&1 && echo dpkg -x || echo "python3: no dpkg here"))"

# libraries: the carried Vulkan loader and C++ runtime only where the machine lacks them; the NVIDIA driver's folder
LD="${LD_LIBRARY_PATH:-}"
add_ld() { [ -d "$1" ] && LD="$1${LD:+:$LD}"; }
CARRIED="${GPU_CARRIED_LIBS:-0}" # 1: use the carried loader and C++ runtime even where the machine has its own (to check them)
if [ "$CARRIED" != 1 ] && has_lib libvulkan.so.1; then echo "Vulkan loader: the machine's"; else echo "Vulkan loader: carried ($(ls "$PACK"/debs | grep libvulkan1))"; add_ld "$TMP/deb/libvulkan1/usr/lib/x86_64-linux-gnu"; fi
{ [ "$CARRIED" != 1 ] && has_lib libstdc++.so.6; } || { echo "C++ runtime: carried"; add_ld "$TMP/deb/libgcc-s1/lib/x86_64-linux-gnu"; add_ld "$TMP/deb/libgcc-s1/usr/lib/x86_64-linux-gnu"; add_ld "$TMP/deb/libstdc++6/usr/lib/x86_64-linux-gnu"; }
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do add_ld "$d"; done
export LD_LIBRARY_PATH="$LD"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# the Vulkan driver (ICD): the NVIDIA one only — from a standard folder, else the driver mount, else one written for
# libGLX_nvidia.so.0 — so that a software Vulkan (Mesa's lavapipe) never passes for a GPU; none found: no driver at
# all, and WebGPU reports no adapter. GPU_VULKAN_DRIVERS=any keeps every driver the loader finds (a dry run of the
# WebGPU path on a software Vulkan); VK_DRIVER_FILES or VK_ICD_FILENAMES set by the caller are kept as they are.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ "${GPU_VULKAN_DRIVERS:-nvidia}" != any ]; then
  icd=""
  for f in /etc/vulkan/icd.d/nvidia*.json /usr/share/vulkan/icd.d/nvidia*.json /usr/local/share/vulkan/icd.d/nvidia*.json \
    /usr/local/nvidia/share/vulkan/icd.d/nvidia*.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia*.json; do
    [ -f "$f" ] && { icd="$f"; break; }
  done
  if [ -z "$icd" ] && { has_lib libGLX_nvidia.so.0 || [ -e /usr/local/nvidia/lib64/libGLX_nvidia.so.0 ]; }; then
    mkdir -p "$TMP/icd"
    printf '{"file_format_version":"1.0.1","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' >"$TMP/icd/nvidia_icd.json"
    icd="$TMP/icd/nvidia_icd.json"
  fi
  echo "Vulkan driver: ${icd:-none: no NVIDIA ICD file and no libGLX_nvidia.so.0 on this machine}"
  [ -n "$icd" ] || icd="$TMP/no-nvidia-vulkan-driver.json" # the loader then finds no driver at all
  export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
else
  echo "Vulkan driver: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-every driver the loader finds (GPU_VULKAN_DRIVERS=any)}}"
fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | sed 's/^/GPU: /'
"$TMP/bin/node" -e 'console.log(`node ${process.version} (unpacked)`)' || die "the unpacked node does not run here"

echo
echo "── check.js: the GPU provider against the CPU provider ──"
"$TMP/bin/node" "$ROOT/scripts/gpu/check.js" --engine "$TMP/dist/gpu-engine.js" "$@"
rc=$?

echo
echo "── the CLI bundle: landscape diagnose examples/mlp/model.json --ep webgpu (top-5 eigenvalues) ──"
out="$TMP/diagnose.json"
if "$TMP/bin/node" "$TMP/dist/cli.js" diagnose "$ROOT/examples/mlp/model.json" --data "$ROOT/examples/mlp/data.npz" --ep webgpu --top 5 --json >"$out" 2>"$TMP/diagnose.err"; then
  "$TMP/bin/node" -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const top = (r.hessian?.top ?? r.spectrum?.top ?? []).map(e => (e.value ?? e).toPrecision(5));
    const gpu = /webgpu|cuda/.test(r.backend);
    console.log(`  backend ${r.backend}${gpu ? "" : " (not on the GPU)"}; loss ${r.loss}; top eigenvalues ${top.join(", ") || "(see the JSON)"}`);
    for (const n of r.notices ?? []) {
      const t = typeof n === "string" ? n : JSON.stringify(n);
      const a = /Failed to get a WebGPU adapter[^;)]*/.exec(t);
      console.log(`  notice: ${a ? `webgpu could not start (${a[0]}); ran on the CPU` : t.slice(0, 300)}`);
    }' "$out"
else
  echo "  diagnose failed: $(tail -3 "$TMP/diagnose.err")"
  rc=1
fi
exit $rc
