#!/usr/bin/env bash
# Install llama-cpp-python built for this machine's CPU without Intel AMX.
#
# Why: on CPUs that advertise AMX (as the Xeon VMs here do), llama.cpp 0.3.36 built with
# -march=native repacks weights for AMX and segfaults in llama_decode, and turning the repack
# buffers off at run time leaves a slow path (about 3 tok/s for the 1.5B model on 2 cores).
# A build with AMX compiled out (and AVX2/FMA/F16C enabled explicitly) keeps the fast repacked
# AVX2 kernels and runs on any x86-64 CPU from the last decade.
#
# The wheel is built once per flag set and kept in ~/.cache/dspy-coder/wheels, so a second
# virtual environment, or a second run, does not rebuild it (pip's own cache ignores CMAKE_ARGS).
set -euo pipefail
PIP=${1:?usage: install_llama_cpp.sh PIP}
VERSION=0.3.36
FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
case "$(uname -m)" in x86_64|amd64) ;; *) FLAGS="" ;; esac   # other CPUs: llama.cpp defaults
KEY=$(printf '%s %s' "$VERSION" "$FLAGS" | sha256sum | cut -c1-12)
WHEELS="${DSPY_CODER_WHEELS:-$HOME/.cache/dspy-coder/wheels}/llama-cpp-python-$KEY"
if ! ls "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $VERSION from source (about 11 minutes on 2 cores) ..."
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$FLAGS" $PIP wheel --no-deps --no-cache-dir -w "$WHEELS" "llama-cpp-python==$VERSION"
fi
$PIP install --no-deps --force-reinstall "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl
