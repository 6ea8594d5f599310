#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: builds the libFuzzer targets (clang) in build-fuzz/ and runs each for
# SECONDS (default 60), seeded from fuzz/corpus/ and the shipped programs. New inputs go to
# build-fuzz/corpus/; a crash is saved as build-fuzz/crash-* and fails the script.
#   long runs: ./fuzz/run.sh 3600
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled >/dev/null
fi
ninja -C build-fuzz >/dev/null
for t in mpc bristol binary; do
	mkdir -p "build-fuzz/corpus/$t"
	seeds=(fuzz/corpus/$t)
	[ "$t" = mpc ] && seeds+=(circuits/programs)
	echo "fuzz_$t: ${secs}s"
	build-fuzz/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix=build-fuzz/ -print_final_stats=1 \
		"build-fuzz/corpus/$t" "${seeds[@]}" 2>&1 | grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" || true
	if ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* >/dev/null 2>&1; then
		echo "fuzz_$t found a problem:" build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* 2>/dev/null
		exit 1
	fi
done
