#!/usr/bin/env bash
# ct.sh TEST_CT: the constant-time check. Runs each mode of tests/test_ct.c under valgrind's
# memcheck, secrets marked undefined, and prints TAP: a secret-dependent branch or memory index
# in the code under test makes memcheck report an error, which fails that line.
#
#   - every AES implementation valgrind can run: aes, hash and gc on it, and the OT with
#     MPCC_AES_IMPL naming it; the ones only the CPU runs (valgrind 3.19 hides VAES and
#     AVX-512 from CPUID, so the VAES paths, gc's AVX-512 batches and the AVX-512 transpose
#     never run under it) are listed as skipped;
#   - the PRG and the two-party protocol end to end;
#   - the check's teeth: two deliberately leaky functions (a branch on a secret bit, a table
#     indexed by a secret byte) must be reported.
# No valgrind (or a test_ct built without <valgrind/memcheck.h>): the whole test is skipped,
# visibly. MPCC_CT_VALGRIND_ARGS adds options (e.g. --track-origins=yes to see where a
# reported value came from).
set -u
bin=${1:?usage: ct.sh path/to/test_ct}

# skip WHY: the whole check is skipped, as one TAP line that the summary counts.
skip() {
	echo "1..1"
	echo "ok 1 - constant-time check # SKIP $1"
	exit 0
}
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed (./setup.sh deps installs it)"
"$bin" impls | grep -q '^memcheck yes' || skip "test_ct was built without <valgrind/memcheck.h>"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Two kinds of report are suppressed. Bytes sent to the peer derive from secrets (OT matrices,
# labels, tables) but are public by design: the send system call may carry them. And the base
# OT's P-256 arithmetic is OpenSSL's, whose BIGNUM code is not memcheck-clean on secret
# scalars and points: BN_bin2bn, BN_nnmod and the conversions in and out of ecp_nistz256 branch
# on a number's top words being zero (bn_correct_top, 2^-64 likely here). So reports from
# inside libcrypto under ot_base_send / ot_base_recv are not errors; our own code there (the
# masked choice select, the key derivation) and everything after the base OTs still is checked.
{
	for fn in ot_base_send ot_base_recv; do
		for kind in Cond Value8; do
			printf '{\n  openssl-under-%s-%s\n  Memcheck:%s\n  ...\n' "$fn" "$kind" "$kind"
			printf '  obj:*/libcrypto.so*\n  ...\n  fun:%s\n}\n' "$fn"
		done
	done
	printf '{\n  sent-bytes-are-public\n  Memcheck:Param\n  socketcall.sendto(msg)\n'
	printf '  ...\n  fun:send\n}\n'
	printf '{\n  written-bytes-are-public\n  Memcheck:Param\n  write(buf)\n  ...\n'
	printf '  fun:write\n}\n'
} >"$tmp/ct.supp"

# shellcheck disable=SC2086
vg() {
	valgrind -q --error-exitcode=1 --suppressions="$tmp/ct.supp" \
		${MPCC_CT_VALGRIND_ARGS:-} "$@"
}

# The implementations the CPU offers, and those valgrind's virtual CPU offers.
native=$("$bin" impls | sed -n 's/^aes //p')
under=$(vg "$bin" impls 2>/dev/null | sed -n 's/^aes //p')
[ -n "$under" ] || skip "valgrind cannot run test_ct here"

export MPCC_NET_SPIN_US=0 # threads take turns under valgrind: spinning only waits longer
n=0
failed=0

# run DESCRIPTION [VAR=VALUE...] -- ARGS...: one TAP line; a failure's log as diagnostics.
run() {
	local what=$1 t0=$SECONDS
	shift
	n=$((n + 1))
	if (
		while [ "$1" != -- ]; do
			export "${1?}"
			shift
		done
		shift
		vg "$bin" "$@"
	) >"$tmp/out" 2>&1; then
		echo "ok $n - $what ($((SECONDS - t0)) s)"
	else
		echo "not ok $n - $what"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

# leak MODE MESSAGE: the leaky mode must fail under memcheck with MESSAGE.
leak() {
	n=$((n + 1))
	if vg "$bin" "$1" >"$tmp/out" 2>&1; then
		echo "not ok $n - memcheck reports $1 (it passed: the check has no teeth)"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	elif grep -q "$2" "$tmp/out"; then
		echo "ok $n - memcheck reports $1: \"$2\""
	else
		echo "not ok $n - memcheck reports $1 (failed without \"$2\")"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

echo "# AES implementations: CPU: $(echo $native); under valgrind: $(echo $under)"
for impl in $under; do
	run "aes on $impl: no secret-dependent branch or index" -- aes "$impl"
	run "hash (MITCCRH) on $impl" -- hash "$impl"
	run "gc garble and evaluate (streamed, planned, restarted) on $impl" -- gc "$impl"
	run "ot base OT and IKNP, both ends, streams on $impl" MPCC_AES_IMPL="$impl" -- ot
done
run "prg (OpenSSL AES-CTR)" -- prg
run "party: the two-party protocol end to end" -- party
for impl in $native; do
	case " $(echo $under) " in
	*" $impl "*) ;;
	*)
		n=$((n + 1))
		echo "ok $n - aes, hash, gc, ot on $impl # SKIP valgrind cannot run $impl (its CPUID hides VAES and AVX-512)"
		;;
	esac
done
leak leak-branch "Conditional jump or move depends on uninitialised value"
leak leak-index "Use of uninitialised value of size"
echo "1..$n"
[ "$failed" -eq 0 ]
