#!/usr/bin/env bash
# Scoring throughput on one CUDA device: CLIP ViT-L-14 figures/s and BERT-base pseudo-perplexity captions/s
# (~150-token captions), float32 and the device's half precision, the code before issue 15 beside it, random
# weights built from configs (nothing is downloaded). Sized for under 5 minutes on an H100. See README.md.
#
# Prepare on a machine with the project installed (the device has no PyMuPDF and no git history):
#   .venv/bin/python bench/score_throughput.py --save-figures .cache/score-figures --figures 512
#   .venv/bin/python bench/score_throughput.py --export-baseline .cache/score-baseline
# and carry .cache/score-figures and .cache/score-baseline with the run.
#
# Writes into $OUT: log.txt, gpu.csv (the card), score_gpu.json (a result file `s1mm plan` reads: copy it to
# bench/results/), or NOT_RUN.txt with the reason when this machine cannot run it.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-$PWD/.cache/gpu-score}
PYTHON=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}                  # cpu: a dry run of this script with tiny sizes (see README.md)
CLIP_ARCHITECTURE=${CLIP_ARCHITECTURE:-ViT-L-14}
FIGURES_DIR=${FIGURES_DIR:-.cache/score-figures}
BASELINE=${BASELINE:-.cache/score-baseline}
CLIP_FIGURES=${CLIP_FIGURES:-1024}      # ViT-L-14 figures a pass (from 1024 a partition decodes in processes)
TINY_FIGURES=${TINY_FIGURES:-1024}      # tiny CLIP: the cost around the model
CAPTIONS=${CAPTIONS:-192}               # BERT-base captions a pass, now
CAPTIONS_BEFORE=${CAPTIONS_BEFORE:-48}  # ... before (float32, copies built in Python: ~8 captions/s on an H200)
REPEATS=${REPEATS:-2}
TOKEN_BUDGETS=${TOKEN_BUDGETS:-0}       # pseudo-perplexity tokens a batch, now; 0: the device default (65,536 on CUDA)
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1

not_run() { echo "NOT RUN: $*" | tee "$OUT/NOT_RUN.txt"; exit 3; }
if [ "$DEVICE" = cuda ]; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv" || not_run "no NVIDIA GPU here"
    "$PYTHON" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null || not_run "torch cannot use CUDA here"
fi
"$PYTHON" -c "import transformers, tokenizers" 2>/dev/null || not_run "transformers/tokenizers are not installed for $PYTHON"
test -f "$FIGURES_DIR/figures.jsonl" || not_run "no prepared figures in $FIGURES_DIR (see the top of this script)"
# CLIP needs open_clip_torch (and loky, the project's worker-pool helper); without them only pseudo-perplexity runs
SKIP=()
if ! "$PYTHON" -c "import open_clip, loky" 2>/dev/null; then
    echo "CLIP LEFT OUT: open_clip_torch or loky is not installed for $PYTHON; pseudo-perplexity only" \
        | tee "$OUT/CLIP_NOT_RUN.txt"
    SKIP=(--skip clip)
fi

"$PYTHON" bench/score_throughput.py --device "$DEVICE" --figures-dir "$FIGURES_DIR" --baseline "$BASELINE" \
    --clip-architecture "$CLIP_ARCHITECTURE" --clip-figures "$CLIP_FIGURES" --figures "$TINY_FIGURES" \
    --captions "$CAPTIONS" --base-captions "$CAPTIONS" --base-captions-before "$CAPTIONS_BEFORE" \
    --caption-tokens 150 --batch-size 256 --repeats "$REPEATS" --precisions float32 auto --token-budgets $TOKEN_BUDGETS \
    --decode-workers "$(( $(nproc) < 8 ? $(nproc) : 8 ))" "${SKIP[@]}" --results "$OUT/score_gpu.json"
