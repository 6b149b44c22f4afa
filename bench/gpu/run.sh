#!/usr/bin/env bash
# Captioning throughput on one H100 with Qwen3-VL-8B's dimensions (random weights). NOT YET RUN: see README.md.
#
# Writes into $OUT: log.txt, gpu.csv (the card), gpu_utilisation.csv (nvidia-smi every 500 ms),
# caption_throughput.json (captions/s, tokens/s, pipeline/reference ratio, server time split, GPU utilisation
# per side), or NOT_RUN.txt with the reason when this machine cannot run it.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-$PWD/.cache/gpu-bench}
WORK=${WORK:-/tmp/s1mm-gpu-bench}
PYTHON=${PYTHON:-python3}
PAPERS=${PAPERS:-150}            # ~3.5 figures a paper: ~500 requests a side
ROUNDS=${ROUNDS:-1}              # pipeline and reference once each; 2+ when time allows
MAX_TOKENS=${MAX_TOKENS:-200}    # fixed output length (ignore_eos), near S1-MMAlign's ~760-character captions
CONCURRENCY=${CONCURRENCY:-256}  # the pipeline's requests in flight
MAX_NUM_SEQS=${MAX_NUM_SEQS:-128}
mkdir -p "$OUT" "$WORK"
exec > >(tee "$OUT/log.txt") 2>&1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 PYTHONUNBUFFERED=1

not_run() { echo "NOT RUN: $*" | tee "$OUT/NOT_RUN.txt"; exit 3; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv" || not_run "no NVIDIA GPU here"
"$PYTHON" -c "import vllm" 2>/dev/null || not_run "vLLM is not installed for $PYTHON (pip install -e '.[gpu]')"
"$PYTHON" -c "import s1mm_assets.lib.stages.figures, aiohttp" 2>/dev/null \
    || not_run "the project is not importable by $PYTHON (pip install -e . from the checkout)"

# 1. Random weights with the real dimensions cost the same compute as trained ones: ~17 GB of bf16, made on
#    the GPU in seconds (reused when it is already there).
CHECKPOINT="$WORK/qwen3-vl-8b-random"
test -f "$CHECKPOINT/config.json" \
    || "$PYTHON" -m s1mm_assets_tests.vllm_support.random_checkpoint "$CHECKPOINT" --preset qwen3-vl-8b --device cuda

# 2. GPU utilisation, sampled for the whole run; the benchmark averages it over each side's time window.
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 \
    > "$OUT/gpu_utilisation.csv" &
SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null || true' EXIT

# 3. Pipeline vs reference client on one server. Compiled mode and CUDA graphs (no --enforce-eager); no
#    image cache (every production figure is unique); prefix caching on (a paper's figures share a prefix),
#    reset between the sides by the benchmark.
"$PYTHON" bench/caption_throughput.py \
    --vllm-python "$PYTHON" --model "$CHECKPOINT" --served-model qwen3-vl-8b-random \
    --papers "$PAPERS" --rounds "$ROUNDS" --max-tokens "$MAX_TOKENS" --fixed-length \
    --concurrency "$CONCURRENCY" --max-num-seqs "$MAX_NUM_SEQS" --max-model-len 4096 --no-enforce-eager \
    --server-arg=--gpu-memory-utilization=0.90 --server-arg=--mm-processor-cache-gb=0 \
    --gpu-utilisation "$OUT/gpu_utilisation.csv" \
    --json-out "$OUT/caption_throughput.json" --results "$OUT/caption_gpu.json" --work-dir "$WORK/bench"
