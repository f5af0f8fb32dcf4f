#!/usr/bin/env bash
# Runs promtool (the path CMake found, or a NOTFOUND value) with the given arguments, failing with
# a clear message when promtool is not installed. Usage: run_promtool.sh PROMTOOL ARGS...
set -u
promtool="$1"
shift
if [ ! -x "$promtool" ]; then
  echo "promtool not found (CMake found '$promtool'). It comes with the Debian package" \
       "'prometheus': run scripts/install-deps.sh, then re-run cmake." >&2
  exit 1
fi
exec "$promtool" "$@"
