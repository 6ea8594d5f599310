#!/usr/bin/env bash
# setup.sh: sets mpcc up on a fresh Debian or Ubuntu machine and runs it.
#
#   ./setup.sh          install what is missing, build, and run the demo (two parties, then
#                       a sealed-bid auction between five bidder processes)
#   ./setup.sh test     install what is missing, build, and run the whole test suite
#                       (a normal build, then an AddressSanitizer + UBSan build), then each
#                       libFuzzer target for MPCC_FUZZ_SECONDS (default 60; 0 skips them)
#   ./setup.sh deps     only install what is missing
#   ./setup.sh build    install what is missing and build (build/)
#
# Running it again is harmless: it installs nothing that is there and rebuilds only what
# changed. Packages come from apt-get (through sudo when not root).
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
PACKAGES=(gcc pkg-config meson ninja-build flex bison libssl-dev libcriterion-dev python3
	valgrind clang libclang-rt-dev)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "all dependencies are installed"
		return
	fi
	if ! command -v apt-get >/dev/null; then
		echo "setup.sh: apt-get not found; install these by hand: ${missing[*]}" >&2
		exit 1
	fi
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "setup.sh: not root and no sudo; install: ${missing[*]}" >&2
			exit 1
		}
		sudo=(sudo)
	fi
	say "installing: ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# build DIR [meson options...]
build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		say "configuring $dir $*"
		meson setup "$dir" "$@" >/dev/null
	fi
	say "building $dir"
	ninja -C "$dir" >/dev/null
}

# Counts the TAP results of the last `meson test` in DIR: prints "passed failed skipped".
count_results() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    tap = [l for l in t.get("stdout", "").splitlines() if re.match(r"(not )?ok\b", l)]
    for l in tap:
        if l.startswith("not ok"):
            failed += 1
        elif "# SKIP" in l:
            skipped += 1
        else:
            passed += 1
    if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(l.startswith("not ok") for l in tap):
        failed += 1  # crashed, timed out, or failed outside a test
print(passed, failed, skipped)
PY
}

run_tests() {
	local total_p=0 total_f=0 total_s=0 status=0
	for variant in "build" "build-asan -Db_sanitize=address,undefined"; do
		# shellcheck disable=SC2086
		set -- $variant
		local dir=$1
		shift
		build "$dir" "$@"
		say "testing $dir"
		if ! meson test -C "$dir" --no-rebuild --print-errorlogs; then
			status=1
		fi
		read -r p f s < <(count_results "$dir")
		echo "$dir: $p passed, $f failed, $s skipped"
		total_p=$((total_p + p))
		total_f=$((total_f + f))
		total_s=$((total_s + s))
	done
	read -r p f s < <(run_fuzz)
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	total_s=$((total_s + s))
	[ "$total_f" -eq 0 ] || status=1
	echo
	echo "$total_p passed, $total_f failed, $total_s skipped"
	return $status
}

# Runs each fuzz target (fuzz/run.sh, build-fuzz/) for MPCC_FUZZ_SECONDS, default 60, showing
# its output on stderr; prints "passed failed skipped" counting a target as one test.
run_fuzz() {
	local secs=${MPCC_FUZZ_SECONDS:-60}
	if [ "$secs" = 0 ]; then
		say "fuzzing skipped (MPCC_FUZZ_SECONDS=0)" >&2
		echo 0 0 1
		return
	fi
	say "fuzzing each target for ${secs} s (MPCC_FUZZ_SECONDS)" >&2
	local log rc=0 p f
	log=$(mktemp)
	MPCC_FUZZ_BUILD=build-fuzz ./fuzz/run.sh "$secs" 2>&1 | tee "$log" >&2 || rc=$?
	p=$(grep -c '^fuzz_.*no crash$' "$log" || true)
	f=$(grep -c '^fuzz_.*: FAILED' "$log" || true)
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1 # it failed before fuzzing (the build?)
	echo "$p $f 0"
	rm -f "$log"
}

demo() {
	local mpcc=build/cli/mpcc progs=circuits/programs
	say "demo 1: Yao's millionaires, two parties over loopback TCP (garbled circuits)"
	echo "\$ mpcc local $progs/millionaires.mpc --input alice_wealth=4200000 --input bob_wealth=3900000"
	$mpcc local $progs/millionaires.mpc --input alice_wealth=4200000 --input bob_wealth=3900000
	say "demo 2: a sealed-bid second-price (Vickrey) auction between 5 bidders, each its own process, on two compute servers"
	echo "\$ circuits/programs/run_auction.sh 120 340 275 90 310"
	MPCC=$mpcc circuits/programs/run_auction.sh 120 340 275 90 310
	echo "(bidder 1 wins and pays 310, the second-highest bid; no process saw another's bid)"
}

case "${1:-demo}" in
demo) install_deps; build build; demo ;;
test) install_deps; run_tests ;;
deps) install_deps ;;
build) install_deps; build build ;;
-h | --help | help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
*) echo "setup.sh: unknown command '$1' (try --help)" >&2; exit 2 ;;
esac
