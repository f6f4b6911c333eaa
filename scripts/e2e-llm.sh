#!/usr/bin/env bash
# End-to-end test of the LLM summary against a real OpenAI-compatible server.
#
# With ../shared/llm/serve-local-llm.sh next to the repository (relative to its root), starts
# llama-cpp-python's server with SmolLM2-135M on 127.0.0.1, runs the gated test, and stops
# the server. The first install compiles llama.cpp (about 6 minutes on 2 cores).
#
# Without it, point OPENAI_BASE_URL at any OpenAI-compatible server and run the test
# yourself, for example with Ollama (`ollama serve`, then `ollama pull qwen2.5:0.5b`):
#   OPENAI_BASE_URL=http://127.0.0.1:11434/v1 LOGSIFT_E2E_MODEL=qwen2.5:0.5b \
#     LOGSIFT_E2E_LLM=1 cargo test --test llm_e2e -- --nocapture
# or with a llama.cpp server (`llama-server -m model.gguf --port 8080`):
#   OPENAI_BASE_URL=http://127.0.0.1:8080/v1 LOGSIFT_E2E_LLM=1 cargo test --test llm_e2e -- --nocapture
# Add OPENAI_API_KEY for a hosted API.
#
# Environment: LLM_SERVE_SCRIPT (another path to serve-local-llm.sh), LLM_DIR (where the server is installed; default ~/.cache/logsift-llm-venv), LLM_PORT (8089),
# LLM_N_CTX (8192: the prompt budget is counted in cl100k tokens, and SmolLM2's smaller
# vocabulary needs more tokens for the same text), LLM_THREADS (1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
serve="${LLM_SERVE_SCRIPT:-$root/../shared/llm/serve-local-llm.sh}"
dir="${LLM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/logsift-llm-venv}"

if [[ -n "${OPENAI_BASE_URL:-}" ]]; then
  echo "e2e-llm: using the server at OPENAI_BASE_URL=$OPENAI_BASE_URL"
  LOGSIFT_E2E_LLM=1 exec cargo test --test llm_e2e -- --nocapture
fi

if [[ ! -x "$serve" ]]; then
  cat >&2 <<EOF
e2e-llm: $serve not found.
Start any OpenAI-compatible server (llama.cpp's llama-server, Ollama, vLLM, LM Studio) and run:
  OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 scripts/e2e-llm.sh
EOF
  exit 2
fi

export LLM_N_CTX="${LLM_N_CTX:-8192}"
export LLM_THREADS="${LLM_THREADS:-1}"
# Build the test first: a cargo build right before a one-thread llama.cpp run slows it less
# than one during it.
cargo test --test llm_e2e --no-run

started=0
if ! url="$("$serve" status "$dir" 2>/dev/null | tail -n 1)"; then
  url="$("$serve" start "$dir" | tail -n 1)"
  started=1
fi
stop() {
  if [[ $started == 1 ]]; then "$serve" stop "$dir" >/dev/null 2>&1 || true; fi
}
trap stop EXIT

echo "e2e-llm: server at $url"
OPENAI_BASE_URL="$url" LOGSIFT_E2E_LLM=1 cargo test --test llm_e2e -- --nocapture
