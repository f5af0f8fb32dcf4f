#!/usr/bin/env bash
# The demo behind `make demo`: ccmond fed by the simulator (60x real time), in the foreground.
# Prints the wallboard and /metrics URLs, each on its own line; Ctrl-C stops everything it started.
#   CCMON_DEMO_HTTP  HTTP listen address (default 127.0.0.1:9464)
#   CCMON_DEMO_ZMQ   event bus endpoint   (default tcp://127.0.0.1:5556)
#   CCMON_DEMO_SPEED simulated seconds per real second (default 60)
set -euo pipefail
build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
http="${CCMON_DEMO_HTTP:-127.0.0.1:9464}"
zmq="${CCMON_DEMO_ZMQ:-tcp://127.0.0.1:5556}"
speed="${CCMON_DEMO_SPEED:-60}"
bin="$root/$build/bin"

for b in ccmond ccmon-bridge; do
  [ -x "$bin/$b" ] || { echo "demo: $bin/$b is missing; run 'make demo' from the repository root" >&2; exit 1; }
done

pids=()
stop() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$bin/ccmond" --config.file "$root/config/ccmond-demo.yaml" --web.listen-address "$http" \
  --subscribe "$zmq" &
pids+=($!)
"$bin/ccmon-bridge" simulate --profile "$root/config/simulator/demo.yaml" --speed "$speed" \
  --publish "bind:$zmq" --source demo-sim &
pids+=($!)

# Wait until the daemon answers (it binds within milliseconds; give a slow machine 10 s).
for _ in $(seq 1 100); do
  if curl -fsS "http://$http/-/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "demo: ccmond exited" >&2; exit 1; fi
  sleep 0.1
done
echo
echo "ccmon demo is running (simulated call center at ${speed}x). Wallboard, then metrics:"
echo "http://$http/"
echo "http://$http/metrics"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}"
