#!/usr/bin/env bash
# The real-model path end to end on a machine with a GPU and the weights (by hand, not a test; nbs/93_real_model runs the
# same commands on small random models on a CPU):
#   SFT with LoRA -> preference pairs -> DPO -> GRPO with the tools executing and vLLM colocated -> evaluation
# Writes OUT/timings.tsv (seconds per stage) and OUT/metrics.tsv (the evaluation of each stage's model on the held-out set).
#
#   bash benchmarks/gpu_check.sh Qwen/Qwen3-0.6B runs/gpu_check          # a hub id (or a local directory)
#   MAX_STEPS=300 N_TRAIN=4000 USE_VLLM=false bash benchmarks/gpu_check.sh /models/Llama-3.2-1B-Instruct runs/gpu_llama
#
# Needs: `pip install -e ".[train]"` with a CUDA torch, and vllm (`pip install vllm`) unless USE_VLLM=false.
# Not run on this project's CPU box (no GPU, no weights); the commands are the ones 93_real_model checks.
set -euo pipefail
MODEL=${1:?usage: gpu_check.sh MODEL_ID_OR_DIR [OUT]}
OUT=${2:-runs/gpu_check}
MAX_STEPS=${MAX_STEPS:-200}
N_TRAIN=${N_TRAIN:-2000}
USE_VLLM=${USE_VLLM:-true}
TOOLFT=${TOOLFT:-toolft}
mkdir -p "$OUT"
: > "$OUT/timings.tsv"
stage() {  # stage NAME COMMAND...: run it, time it
  local name=$1; shift
  local t0=$(date +%s)
  echo "== $name: $*"
  "$@" 2>&1 | tee "$OUT/$name.log"
  echo -e "$name\t$(( $(date +%s) - t0 ))" >> "$OUT/timings.tsv"
}
common="bf16: true
report_to: none
save_strategy: 'no'
logging_steps: 10
seed: 0
think: drop
activation_checkpointing: true"

stage data $TOOLFT data synth -o "$OUT/world" --n "$N_TRAIN" --eval-n 200 --seed 0

cat > "$OUT/sft.yaml" <<EOF
model_name_or_path: $MODEL
data: $OUT/world/train.jsonl
output_dir: $OUT/sft
use_peft: true
lora_r: 16
lora_alpha: 32
lora_target_modules: all-linear
learning_rate: 1.0e-4
per_device_train_batch_size: 8
gradient_accumulation_steps: 2
max_steps: $MAX_STEPS
multiturn: auto
$common
EOF
stage sft $TOOLFT train sft --config "$OUT/sft.yaml"

stage pairs $TOOLFT pairs build "$OUT/world/train.jsonl" --template "$OUT/sft" -o "$OUT/pairs.jsonl"

cat > "$OUT/dpo.yaml" <<EOF
model_name_or_path: $OUT/sft
data: $OUT/pairs.jsonl
output_dir: $OUT/dpo
learning_rate: 5.0e-6
beta: 0.1
loss_type: [sigmoid, sft]
per_device_train_batch_size: 8
max_steps: $(( MAX_STEPS / 2 ))
$common
EOF
stage dpo $TOOLFT train dpo --config "$OUT/dpo.yaml"

cat > "$OUT/grpo.yaml" <<EOF
model_name_or_path: $OUT/dpo
data: $OUT/world/train.jsonl
tools: toolft.world:world_tools
output_dir: $OUT/grpo
learning_rate: 1.0e-6
num_generations: 8
per_device_train_batch_size: 16
max_steps: $(( MAX_STEPS / 2 ))
temperature: 0.7
max_completion_length: 512
use_vllm: $USE_VLLM
vllm_mode: colocate
vllm_gpu_memory_utilization: 0.3
$common
EOF
stage grpo $TOOLFT train grpo --config "$OUT/grpo.yaml"

engine=hf; [ "$USE_VLLM" = true ] && engine=vllm
echo -e "stage\tformat_validity\tdecision\tmacro_f1\ttool_selection\targuments\ttrajectory_success" > "$OUT/metrics.tsv"
for s in base sft dpo grpo; do
  m=$MODEL; [ "$s" != base ] && m=$OUT/$s
  stage "eval_$s" $TOOLFT eval run --model "$m" --data "$OUT/world/eval.jsonl" --engine $engine -o "$OUT/eval_$s"
  python3 - "$OUT/eval_$s/metrics.json" "$s" >> "$OUT/metrics.tsv" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[2]] + [str(m.get(k) if k != "trajectory_success" else (m.get("trajectory") or {}).get("success")) for k in
                 ("format_validity", "decision", "macro_f1", "tool_selection", "arguments", "trajectory_success")]))
PY
done
column -t "$OUT/metrics.tsv"; column -t "$OUT/timings.tsv"
