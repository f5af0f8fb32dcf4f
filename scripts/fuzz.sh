#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UBSan, coverage
# instrumentation in every library they link) and runs each for a fixed budget, starting from its
# committed seed corpus. Any crash, sanitizer report, leak, timeout or out-of-memory fails the run;
# the input that caused it is kept in <build>/fuzz-artifacts/.
#
#   scripts/fuzz.sh [build-dir]       default build-fuzz; budget FUZZ_SECONDS (default 20) per target
#   FUZZ_SECONDS=600 scripts/fuzz.sh  a longer run; new inputs stay in <build>/fuzz-corpus/<target>
#
# `make test` runs it with the default budget, two targets at a time (FUZZ_JOBS).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(realpath -m "${1:-build-fuzz}")"
seconds="${FUZZ_SECONDS:-20}"
jobs="${FUZZ_JOBS:-2}"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCCMON_FUZZ=ON -DCCMON_BUILD_BENCH=OFF -DCCMON_WERROR=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target fuzzers

# Target → its seed corpus directory under tests/fuzz.
declare -A seeds=(
  [envelope_fuzzer]=envelope [lifecycle_fuzzer]=lifecycle [config_fuzzer]=config
  [http_request_fuzzer]=http_request [tzif_fuzzer]=tzif [journal_fuzzer]=journal
  [records_fuzzer]=records [jsonl_fuzzer]=jsonl [queue_log_fuzzer]=queue_log
  [ami_fuzzer]=ami [esl_fuzzer]=freeswitch
)

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
jobs_list=()
for exe in "$build"/fuzz/*_fuzzer; do
  name="$(basename "$exe")"
  if [[ -z "${seeds[$name]:-}" ]]; then
    echo "fuzz.sh: $name has no seed corpus entry in scripts/fuzz.sh" >&2
    exit 1
  fi
  jobs_list+=("$name $root/tests/fuzz/${seeds[$name]}")
done

run_one() {
  local name="$1" build="$2" seconds="$3" seed_dir="$4"
  local work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  local dirs=("$work")
  [[ -d "$seed_dir" ]] && dirs+=("$seed_dir")
  if "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" "${dirs[@]}" \
       >"$build/fuzz-logs/$name.log" 2>&1; then
    local runs cov
    runs="$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-logs/$name.log" |
            grep -o '[0-9]*$' || echo '?')"
    cov="$(grep -ao 'cov: [0-9]*' "$build/fuzz-logs/$name.log" | tail -1 | grep -o '[0-9]*' || echo '?')"
    printf '%-22s ok      %10s runs  %6s edges\n' "$name" "$runs" "$cov"
  else
    printf '%-22s FAILED  (log: %s)\n' "$name" "$build/fuzz-logs/$name.log"
    tail -40 "$build/fuzz-logs/$name.log" >&2
    return 1
  fi
}
export -f run_one

echo "fuzzing ${#jobs_list[@]} targets, ${seconds} s each, ${jobs} at a time"
status=0
printf '%s\n' "${jobs_list[@]}" |
  xargs -P "$jobs" -L1 bash -c 'run_one "$3" "$1" "$2" "$4"' _ "$build" "$seconds" \
  || status=1
exit $status
