#!/usr/bin/env bash
# run_auction.sh: a sealed-bid second-price (Vickrey) auction between bidders that are
# separate processes, on this machine over loopback, server-aided: two compute parties
# (server-a garbles, server-b evaluates) and one `mpcc run` per bidder, as on many hosts.
#
#   circuits/programs/run_auction.sh [BID...]     (default: 120 340 275 90 310)
#
# Each party first makes its TLS key (mpcc keygen); the parties file pins every party's
# fingerprint, so every connection is TLS 1.3 with both sides authenticated. Each bidder sends
# its bid only as two random shares, one to each compute party, and prints what it learned:
# the winner's index and the price. MPCC names the mpcc binary (default:
# build/cli/mpcc beside this script's repository).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mpcc=${MPCC:-$here/../../build/cli/mpcc}
prog=$here/vickrey.mpc
bids=("$@")
[ ${#bids[@]} -gt 0 ] || bids=(120 340 275 90 310)
n=${#bids[@]}
if [ "$n" -lt 2 ]; then
	echo "run_auction.sh: an auction needs two bidders or more" >&2
	exit 2
fi

dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT

# two free ports for the compute parties
read -r pa pb < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
# every party's key and certificate; the fingerprints go into the parties file
fp() { "$mpcc" keygen --out "$dir/$1" 2>/dev/null; }
{
	echo "# who takes part, and the two compute parties (which must not collude)"
	echo "server-a   garbler    127.0.0.1:$pa  $(fp server-a)"
	echo "server-b   evaluator  127.0.0.1:$pb  $(fp server-b)"
	for i in "${!bids[@]}"; do
		echo "bidder[$i]  input  $(fp "bidder[$i]")"
	done
} >"$dir/parties.txt"
echo "parties file:"
sed 's/^/    /' "$dir/parties.txt"

run() { # NAME ARGS...: one party in the background, its output to a file
	local name=$1
	shift
	"$mpcc" run "$prog" -D N="$n" --parties "$dir/parties.txt" --as "$name" --key "$dir/$name" \
		--timeout 20 "$@" >"$dir/$name.out" 2>&1 &
	pids+=($!)
}
run server-a
run server-b
for i in "${!bids[@]}"; do
	run "bidder[$i]" --input "bid[$i]=${bids[$i]}"
done

status=0
for p in "${pids[@]}"; do
	wait "$p" || status=1
done
pids=()
for i in "${!bids[@]}"; do
	printf 'bidder[%d] (bid %s) learned: %s\n' "$i" "${bids[$i]}" \
		"$(tr '\n' ' ' <"$dir/bidder[$i].out")"
done
for s in server-a server-b; do
	printf '%s (no bid) learned: %s\n' "$s" "$(tr '\n' ' ' <"$dir/$s.out")"
done
exit $status
