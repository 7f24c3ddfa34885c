#!/usr/bin/env bash
# Hostile and broken event files given to mledger submit: truncated,
# garbage, empty, oversized, non-canonical (an integer or a length in a
# longer form than needed), a flipped signature byte, signed by a key that
# is not enrolled, signed with another actor's key. Each must be refused
# with one clear line on stderr, exit 1, and the ledger left exactly as it
# was (same entry count and head hash).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger
enroll ca.example-lithium.whabouchi miner CA
enroll us.example-refining.kings-mountain processor US

# A valid event to break: the miner adds a key, with a small actor_seq so
# its encoding is one byte (a positive fixint).
new_key miner-2
ok sign actor rekey --key ca.example-lithium.whabouchi.key \
	--actor ca.example-lithium.whabouchi --id ca.example-lithium.whabouchi \
	--pubkey miner-2.key.pub --actor-seq 5 --time 1790000000 -o good.mle

# edit MODE IN OUT: rewrite a signed event (a map {body, kid, sig}).
edit() {
	python3 - "$@" <<'PY'
import sys

mode, src, dst = sys.argv[1:4]
data = bytearray(open(src, "rb").read())

def bin_header(n):
    if n < 256:
        return bytes([0xC4, n])
    return bytes([0xC5]) + n.to_bytes(2, "big")

# The outer map: fixmap of 3, then "body" and its bin.
assert data[0] == 0x83, "not a 3-field map"
assert data[1:6] == b"\xa4body", "first field is not body"
i = 6
if data[i] == 0xC4:
    blen, hdr = data[i + 1], 2
elif data[i] == 0xC5:
    blen, hdr = int.from_bytes(data[i + 1:i + 3], "big"), 3
else:
    raise SystemExit("unexpected body header %#x" % data[i])
body = bytes(data[i + hdr:i + hdr + blen])
rest = bytes(data[i + hdr + blen:])

if mode == "long-int":
    # actor_seq 5 as uint8 (cc 05) instead of a fixint: same value, longer form.
    key = b"\xa9actor_seq"
    j = body.index(key) + len(key)
    assert body[j] < 0x80, "actor_seq is not a fixint"
    body = body[:j] + bytes([0xCC, body[j]]) + body[j + 1:]
    out = data[:i] + bin_header(len(body)) + body + rest
elif mode == "long-time":
    # time as uint64 (cf) instead of uint32 (ce).
    key = b"\xa4time\xce"
    j = body.index(key) + len(key) - 1
    body = body[:j] + b"\xcf\x00\x00\x00\x00" + body[j + 1:]
    out = data[:i] + bin_header(len(body)) + body + rest
elif mode == "long-len":
    # kid's bin8 length written as bin16: the outer map is not canonical.
    key = b"\xa3kid\xc4\x10"
    assert key in rest, "no 16-byte kid"
    out = data[:i + hdr + blen] + rest.replace(key, b"\xa3kid\xc5\x00\x10")
elif mode == "truncate":
    out = data[:-10]
elif mode == "flip-sig":
    out = bytearray(data)
    out[-1] ^= 0x40
elif mode == "flip-body":
    out = bytearray(data)
    out[i + hdr + blen // 2] ^= 0x01
elif mode == "trailing":
    out = data + b"\x00"
else:
    raise SystemExit("unknown mode " + mode)
open(dst, "wb").write(out)
PY
}

# refused FILE NEEDLE [atomic]: submit FILE fails with exit 1, one line
# naming FILE and containing NEEDLE, and the ledger is unchanged; unless
# "atomic" is given, the same holds with --partial.
refused() {
	local file=$1 needle=$2 before
	before=$(snapshot)
	expect_exit 1 submit "$file"
	assert_one_line_error
	assert_contains "$err" "$file"
	assert_contains "$err" "$needle"
	expect_unchanged "$before"
	if [ "${3:-}" != atomic ]; then
		expect_exit 1 submit --partial "$file"
		expect_unchanged "$before"
	fi
}

edit truncate good.mle truncated.mle
refused truncated.mle "mledger: truncated.mle"

head -c 300 /dev/urandom >garbage.mle
refused garbage.mle "mledger: garbage.mle"
echo "this is not a signed event" >text.mle
refused text.mle "mledger: text.mle"
: >empty.mle
refused empty.mle "empty"

# Over the 64 KiB cap: a well-formed header announcing a 70,000-byte body,
# and plain bytes of the same size.
python3 -c '
import sys
n = 70000
sys.stdout.buffer.write(b"\x83\xa4body\xc6" + n.to_bytes(4, "big") + b"\x00" * n +
                        b"\xa3kid\xc4\x10" + b"\x00" * 16 + b"\xa3sig\xc4\x40" + b"\x00" * 64)
' >oversized.mle
refused oversized.mle "mledger: oversized.mle"
head -c 70000 /dev/zero >zeros.mle
refused zeros.mle "mledger: zeros.mle"

edit long-int good.mle long-int.mle
refused long-int.mle "mledger: long-int.mle"
edit long-time good.mle long-time.mle
refused long-time.mle "mledger: long-time.mle"
edit long-len good.mle long-len.mle
refused long-len.mle "mledger: long-len.mle"
# A stray byte after a valid event is a second, malformed event of the
# stream: the batch is refused (with --partial the first would go in).
edit trailing good.mle trailing.mle
refused trailing.mle "mledger: trailing.mle (event 2, byte " atomic

edit flip-sig good.mle flip-sig.mle
refused flip-sig.mle "signature"
edit flip-body good.mle flip-body.mle
refused flip-body.mle "mledger: flip-body.mle"

# Signed by a key that no actor was enrolled with.
new_key stranger
ok sign actor rekey --key stranger.key --actor ca.example-lithium.whabouchi \
	--id ca.example-lithium.whabouchi --pubkey stranger.key.pub --actor-seq 6 \
	-o stranger.mle
refused stranger.mle "mledger: stranger.mle (event 1 of 1): "
# Directly, too: the key belongs to no actor.
before=$(snapshot)
expect_exit 1 actor rekey --key stranger.key --id ca.example-lithium.whabouchi \
	--pubkey stranger.key.pub
assert_one_line_error
expect_unchanged "$before"

# Signed with the refiner's key but claiming to be the miner.
ok sign actor rekey --key us.example-refining.kings-mountain.key \
	--actor ca.example-lithium.whabouchi --id ca.example-lithium.whabouchi \
	--pubkey miner-2.key.pub --actor-seq 7 -o wrong-actor.mle
refused wrong-actor.mle "mledger: wrong-actor.mle (event 1 of 1): "

# A bad file among good ones rejects them all.
new_key miner-3
ok sign actor rekey --key ca.example-lithium.whabouchi.key \
	--id ca.example-lithium.whabouchi --pubkey miner-3.key.pub -o good2.mle
before=$(snapshot)
expect_exit 1 submit good.mle flip-sig.mle good2.mle
assert_one_line_error
assert_contains "$err" "flip-sig.mle (event 1 of 1)"
expect_unchanged "$before"

# The untouched originals still go in, and the ledger verifies.
ok submit good.mle good2.mle
assert_contains "$out" "appended 2 events"
ok verify
echo "bad_input: ok"
