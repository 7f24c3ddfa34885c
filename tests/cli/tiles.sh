#!/usr/bin/env bash
# Static tiles end to end: `mledger tiles DIR`, DIR served by a real HTTP
# server on loopback, every file a client needs (computed from the served
# checkpoint's size, not copied from the directory) downloaded with curl,
# and `verify --tiles` on the download with no ledger; then more events, an
# incremental re-run, a fresh download and verify again; then one flipped
# byte in a downloaded tile and in an entry bundle, each refused in one line.
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl is needed (scripts/setup installs it)"

ok key new op.key
ok key new miner.key
ok init --origin tiles.example/ledger --operator-key op.key
ok actor enroll --key op.key --id ca.mine --name Mine --role miner \
	--country CA --pubkey miner.key.pub --facility pit:CA
for i in $(seq 1 20); do
	ok lot register --key miner.key --lot "LI-$i" --material ore \
		--mass-g 1000 --content Li=20000 --origin extraction \
		--country CA --site pit
done

# No checkpoint yet and no key: told what to do.
expect_exit 1 tiles pub
assert_one_line_error
assert_contains "$err" "mledger checkpoint"
ok tiles pub --key op.key
assert_contains "$out" "tree size 22 (was 0)"
ok tiles pub
assert_contains "$out" "nothing written"

# ---- serve it ---------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$PYTHON" -m http.server --bind 127.0.0.1 --directory "$WORK/pub" "$port" \
	>"$WORK/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/checkpoint" && break
	kill -0 "$server" 2>/dev/null || fail "the HTTP server did not start: $(cat "$WORK/http.log")"
	sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/checkpoint" || fail "the HTTP server does not answer"

# tile_paths SIZE: every tile and bundle path of the tree of SIZE (C2SP
# tlog-tiles: height 8, 3-digit groups with x prefixes, .p/W partials).
tile_paths() {
	python3 - "$1" <<'EOF'
import sys
size = int(sys.argv[1])
def enc(n):
    g = []
    while True:
        g.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    g.reverse()
    return "/".join(("x%03d" if i < len(g) - 1 else "%03d") % v for i, v in enumerate(g))
level = 0
while size >> (8 * level) > 0:
    full = size >> (8 * (level + 1))
    width = (size >> (8 * level)) % 256
    names = [enc(n) for n in range(full)]
    if width:
        names.append("%s.p/%d" % (enc(full), width))
    for nm in names:
        print("tile/%d/%s" % (level, nm))
        if level == 0:
            print("tile/entries/%s" % nm)
    level += 1
EOF
}

# download DEST: the checkpoint, then every path its size needs.
download() {
	local dest=$1 size
	rm -rf "$dest"
	mkdir -p "$dest"
	curl -sf -o "$dest/checkpoint" "http://127.0.0.1:$port/checkpoint" ||
		fail "cannot download the checkpoint"
	size=$(sed -n 2p "$dest/checkpoint")
	while read -r p; do
		mkdir -p "$dest/$(dirname "$p")"
		curl -sf -o "$dest/$p" "http://127.0.0.1:$port/$p" ||
			fail "cannot download $p"
	done < <(tile_paths "$size")
}

download "$WORK/copy1"
assert_eq "$(find "$WORK/copy1" -type f | wc -l | tr -d ' ')" 3 "files for 22 entries"

# Verify the served copy with no ledger, from an empty directory.
mkdir empty
vkey=$("$MLEDGER" vkey)
cd empty
run_noledger() {
	set +e
	env -u MLEDGER_DIR "$MLEDGER" "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null
	rc=$?
	set -e
	out=$(cat "$WORK/.out")
	err=$(cat "$WORK/.err")
}
run_noledger verify --tiles "$WORK/copy1"
[ "$rc" -eq 0 ] || fail "verify --tiles exited $rc"
assert_contains "$out" "verified 22 entries from the tiles"
assert_contains "$out" "the operator key named by the genesis entry"
run_noledger verify --tiles "$WORK/copy1" --trust "$vkey" --json
[ "$rc" -eq 0 ] || fail "verify --tiles --trust VKEY exited $rc"
assert_json
assert_eq "$(jget 'd["trusted"]')" given "trusted"
run_noledger verify --tiles "$WORK/copy1" --trust "$WORK/op.key.pub"
[ "$rc" -eq 0 ] || fail "verify --tiles --trust FILE exited $rc"
assert_contains "$out" "the trusted key"
run_noledger verify --tiles "$WORK/copy1" --trust "$WORK/miner.key.pub"
[ "$rc" -eq 1 ] || fail "another key's trust exited $rc, expected 1"
assert_one_line_error
[ -z "$(ls -A .)" ] || fail "verify --tiles left files in the working directory"
cd "$WORK"

# ---- grow it: an incremental re-run -----------------------------------------
# Only the partial tiles change here; crossing full-tile boundaries is
# covered by the tiles suite (tests/test_tiles.c), in-process and faster.
files=()
for i in $(seq 21 50); do
	ok sign lot register --key miner.key --lot "LI-$i" --material ore \
		--mass-g 1000 --content Li=20000 --origin extraction --country CA \
		--site pit -o "ev-$i.mle"
	files+=("ev-$i.mle")
done
ok submit "${files[@]}"
ok tiles pub --key op.key
assert_contains "$out" "tree size 52 (was 22)"
assert_contains "$out" "1 hash tiles, 1 entry bundles"
ok checkpoint --key op.key -o /dev/null
ok tiles pub
assert_contains "$out" "nothing written"

download "$WORK/copy2"
cd empty
run_noledger verify --tiles "$WORK/copy2" --trust "$vkey"
[ "$rc" -eq 0 ] || fail "verify --tiles of 52 entries exited $rc: $err"
assert_contains "$out" "verified 52 entries"

# The auditor's daily run: the served log must extend yesterday's
# checkpoint; a checkpoint of another history under the same key and
# origin (a rewrite) is refused.
run_noledger verify --tiles "$WORK/copy2" --trust "$vkey" \
	--since "$WORK/copy1/checkpoint"
[ "$rc" -eq 0 ] || fail "verify --tiles --since exited $rc: $err"
assert_contains "$out" "consistent with the checkpoint of 22 entries"
cd "$WORK"
mkdir fork
MLEDGER_DIR="$WORK/fork" ok init --origin tiles.example/ledger --operator-key op.key
MLEDGER_DIR="$WORK/fork" ok actor enroll --key op.key --id ca.fork \
	--name Fork --role miner --country CA --pubkey miner.key.pub
MLEDGER_DIR="$WORK/fork" ok checkpoint --key op.key -o fork.checkpoint
cd empty
run_noledger verify --tiles "$WORK/copy2" --trust "$vkey" \
	--since "$WORK/fork.checkpoint"
[ "$rc" -eq 1 ] || fail "verify --tiles --since a forked checkpoint: exit $rc, expected 1"
assert_one_line_error
assert_contains "$err" "history was rewritten"
run_noledger verify --tiles "$WORK/copy2" --since "$WORK/op.key.pub"
[ "$rc" -eq 1 ] || fail "verify --tiles --since a key file: exit $rc, expected 1"
assert_one_line_error

# ---- tampering -------------------------------------------------------------
flip() { # FILE OFFSET: flip one bit of the byte at OFFSET
	python3 - "$1" "$2" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 1
open(p, "wb").write(bytes(b))
EOF
}
# tampered NAME FILE OFFSET WANT [VERIFY ARGS]: a copy with one bit of FILE
# flipped is refused with exit 1, in one line that contains WANT.
tampered() {
	local name=$1 file=$2 off=$3 want=$4
	shift 4
	cp -r "$WORK/copy2" "$WORK/$name"
	flip "$WORK/$name/$file" "$off"
	run_noledger verify --tiles "$WORK/$name" "$@"
	[ "$rc" -eq 1 ] || fail "$file tampered: exit $rc, expected 1"
	assert_one_line_error
	assert_contains "$err" "$want"
}
tampered bad1 tile/0/000.p/52 100 "tile/0/000.p/52" --trust "$vkey"
tampered bad2 tile/entries/000.p/52 5000 "verify failed: entry " --trust "$vkey"
tampered bad3 checkpoint 3 "mledger: "

# What is served in place of a tile and is not a file is refused (exit 1),
# and a FIFO must not hang the reader.
for kind in fifo dir link; do
	cp -r "$WORK/copy2" "$WORK/odd-$kind"
	tile="$WORK/odd-$kind/tile/entries/000.p/52"
	rm "$tile"
	case $kind in
	fifo) mkfifo "$tile" ;;
	dir) mkdir "$tile" ;;
	link) ln -s "$(basename "$tile")" "$tile" ;; # a loop
	esac
	rc=0
	timeout 20 "$MLEDGER" verify --tiles "$WORK/odd-$kind" --trust "$vkey" \
		>"$WORK/.out" 2>"$WORK/.err" || rc=$?
	err=$(cat "$WORK/.err")
	[ "$rc" -ne 124 ] || fail "a $kind in place of a tile hung verify --tiles"
	[ "$rc" -eq 1 ] || fail "a $kind in place of a tile: exit $rc, expected 1: $err"
	assert_one_line_error
done
cd "$WORK"

# A directory whose checkpoint is no checkpoint at all is written anew.
cp -r pub pub-odd
head -c 70000 /dev/zero >pub-odd/checkpoint
ok tiles pub-odd
cmp -s pub/checkpoint pub-odd/checkpoint ||
	fail "tiles did not rewrite an oversized checkpoint"
echo "tiles: ok"
