#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: builds the libFuzzer targets (clang, AddressSanitizer + UBSan) in
# build-fuzz/ and runs each for SECONDS (default: $MPCC_FUZZ_SECONDS, else 60), one after the
# other. Prints per target how many inputs it ran; a crash, leak, timeout or sanitizer report
# fails the script, and the input that did it is kept as build-fuzz/artifacts/TARGET-*.
#
#   ./fuzz/run.sh              60 s each (./setup.sh test runs this after the test suite)
#   ./fuzz/run.sh 3600         long runs: an hour each
#   MPCC_FUZZ_TARGETS="party_garbler ot" ./fuzz/run.sh 600    some targets only
#   MPCC_FUZZ_BUILD=DIR        another build folder
#
# Targets: mpc (the .mpc front end and lowering), bristol and binary (the circuit readers),
# party_garbler and party_evaluator (everything a party reads from its peer: handshake,
# base-OT points, OT matrix, labels, tables, output bits), ot (base-OT points), net (the
# channel's message framing), server (what a server-aided session's garbler reads from the
# parties that connect: hellos, statuses, shares). Seeds: fuzz/corpus/TARGET, the shipped programs for mpc, and
# for the protocol targets a real session recorded afresh by fuzz_record (so they follow
# protocol changes). What a run finds is kept in build-fuzz/corpus/TARGET for the next.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${MPCC_FUZZ_SECONDS:-60}}
dir=${MPCC_FUZZ_BUILD:-build-fuzz}
targets=${MPCC_FUZZ_TARGETS:-mpc bristol binary party_garbler party_evaluator ot net server}

# Warnings do not stop this build: the gcc builds hold the code to -Werror, and a warning only
# clang gives must not keep the fuzzers from running.
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" -Dfuzz=true -Dtests=disabled -Dwerror=false >/dev/null
fi
ninja -C "$dir" >/dev/null
if ! "$dir/fuzz/fuzz_record" "$dir/seeds" >"$dir/fuzz_record.log" 2>&1; then
	echo "fuzz_record: FAILED (a real session did not run; $dir/fuzz_record.log):"
	tail -20 "$dir/fuzz_record.log" | sed 's/^/    /'
	exit 1
fi
mkdir -p "$dir/artifacts"

failed=0
for t in $targets; do
	mkdir -p "$dir/corpus/$t"
	seeds=()
	for s in "fuzz/corpus/$t" "$dir/seeds/$t"; do
		[ -d "$s" ] && seeds+=("$s")
	done
	[ "$t" = mpc ] && seeds+=(circuits/programs)
	log="$dir/fuzz_$t.log"
	rm -f "$dir/artifacts/$t-"*
	rc=0
	"$dir/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$dir/artifacts/$t-" -print_final_stats=1 \
		"$dir/corpus/$t" "${seeds[@]}" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 || true)
	corpus=$(find "$dir/corpus/$t" -type f | wc -l)
	if [ "$rc" -ne 0 ] || ls "$dir/artifacts/$t-"* >/dev/null 2>&1; then
		echo "fuzz_$t: FAILED (exit $rc) after ${runs:-?} runs; the log's end ($log):"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^#' "$log" | tail -20 | sed 's/^/    /'
		failed=$((failed + 1))
	else
		echo "fuzz_$t: ${runs:-?} runs in ${secs} s (${done_line:-no Done line}), corpus $corpus inputs, no crash"
	fi
done
[ "$failed" -eq 0 ]
