#!/usr/bin/env bash
# Checks the module dependency rules of STYLE.md on the includes: dependencies point one way
# (app → everything; export → collectors → state; ingest → state; everything → common), state
# knows nothing of ZeroMQ, Protobuf's generated types or Prometheus, and only ingest (and
# common/publisher, bridges, tools) include generated .pb.h files. Exit 1 with the offending lines.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fail=0
check() {  # check <dir> <regex of forbidden includes> <why>
  local hits
  hits=$(grep -rnE "#include [<\"]($2)" "$1" --include='*.h' --include='*.cc' 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layering: $1 must not include $3:"
    echo "$hits"
    fail=1
  fi
}
check daemon/state 'zmq|prometheus/|ccmon/v1/|.*\.pb\.h|daemon/(ingest|export|app|config|checkpoint)/|collectors/' \
  "ZeroMQ, Prometheus, Protobuf-generated headers or modules above it"
check collectors 'zmq|ccmon/v1/|.*\.pb\.h|daemon/(ingest|export|app|config|checkpoint)/' \
  "ZeroMQ, Protobuf or daemon modules above it"
check daemon/export 'zmq|ccmon/v1/|.*\.pb\.h|daemon/(ingest|app|state)/' "ingest, app, state or ZeroMQ"
check daemon/ingest 'prometheus/|daemon/(export|app|config)/|collectors/' "Prometheus, export, app, config or collectors"
check daemon/config 'zmq|ccmon/v1/|.*\.pb\.h|daemon/(ingest|export|app)/' "ingest, export, app or ZeroMQ"
check common 'daemon/|collectors/|bridges/|tools/' "daemon, collectors, bridges or tools"
exit $fail
