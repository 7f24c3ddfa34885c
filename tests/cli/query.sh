#!/usr/bin/env bash
# The read side: mledger log (with --from and --limit), show, status and
# verify, each in human and --json form (the JSON checked by a parser), and
# verify catching an entry tampered with on disk.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger
enroll ca.example-lithium.whabouchi miner CA --facility whabouchi-mine:CA
enroll us.example-refining.kings-mountain processor US
enroll ch.example-audit.zug auditor CH
new_key miner-2
ok actor rekey --key ca.example-lithium.whabouchi.key \
	--id ca.example-lithium.whabouchi --pubkey miner-2.key.pub \
	--retire-key ca.example-lithium.whabouchi.key.pub
ok actor revoke --key operator.key --id ch.example-audit.zug --reason "audit firm dissolved"
# 0 genesis, 1-3 enroll, 4 rekey, 5 revoke

# ---- status ----------------------------------------------------------------

ok status
assert_contains "$out" "origin   example.org/minerals/test"
assert_contains "$out" "entries  6"
head=$(printf '%s\n' "$out" | sed -n 's/^head     //p')
[[ "$head" =~ ^[0-9a-f]{64}$ ]] || fail "status head '$head' is not a SHA-256 hex"
ok status --json
assert_json
assert_eq "$(jget 'd["entries"]')" 6 "status --json entries"
assert_eq "$(jget 'd["head"]')" "$head" "status --json head"

# ---- log -------------------------------------------------------------------

ok log
assert_eq "$(printf '%s\n' "$out" | wc -l)" 6 "log lines"
line_re='^ *[0-9]+  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z  [a-z]+\.[a-z]+ {2,}[^ ].*$'
while IFS= read -r line; do
	[[ "$line" =~ $line_re ]] || fail "log line '$line' is not SEQ  TIME  TYPE  SUMMARY"
done <<<"$out"
assert_contains "$(printf '%s\n' "$out" | sed -n 1p)" "ledger.genesis"
assert_contains "$(printf '%s\n' "$out" | sed -n 2p)" "actor.enroll    ca.example-lithium.whabouchi"
assert_contains "$(printf '%s\n' "$out" | sed -n 5p)" "actor.rekey"
assert_contains "$(printf '%s\n' "$out" | sed -n 6p)" "actor.revoke"

ok log --from 2 --limit 3
assert_eq "$(printf '%s\n' "$out" | wc -l)" 3 "log --from 2 --limit 3 lines"
assert_eq "$(printf '%s\n' "$out" | sed -n 1p | cut -d' ' -f1)" 2 "first seq of log --from 2"
ok log --from 99
assert_eq "$out" "" "log past the end"
ok log --from 5 --limit 18446744073709551615
assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "log with the largest --limit"

ok log --json
assert_json
assert_eq "$(jget 'len(d)')" 6 "log --json length"
assert_eq "$(jget '[e["seq"] for e in d]')" "[0, 1, 2, 3, 4, 5]" "log --json seqs"
assert_eq "$(jget 'd[1]["event"]["type"]')" actor.enroll "log --json type of entry 1"
assert_eq "$(jget 'd[1]["prev"] == d[0]["hash"]')" true "log --json hash chain"
assert_eq "$(jget 'd[5]["hash"]')" "$head" "log --json last hash is the head"
ok --json log --from 99
assert_json
assert_eq "$(jget 'd')" "[]" "empty log --json"
ok log --json --from 1 --limit 1
assert_eq "$(jget 'len(d)')" 1 "log --json --limit 1"

# ---- show ------------------------------------------------------------------

ok show 1
for field in seq time type hash prev kid sig body; do
	assert_contains "$out" "$field" "show 1"
done
assert_contains "$out" "ca.example-lithium.whabouchi"
prev=$(printf '%s\n' "$out" | sed -n 's/^prev   //p')
# Everything after the "body" line is the body as JSON.
printf '%s\n' "$out" | sed -n '/^body$/,$p' | tail -n +2 | python3 -m json.tool >/dev/null ||
	fail "show 1 body is not JSON"
ok show 0 --json
assert_json
assert_eq "$(jget 'd["hash"]')" "$prev" "prev of entry 1 is the hash of entry 0"
ok show 5 --json
assert_eq "$(jget 'd["event"]["reason"]')" "audit firm dissolved" "revoke reason"
expect_exit 1 show 6
assert_one_line_error
assert_contains "$err" "no entry 6"

# ---- verify ----------------------------------------------------------------

ok verify
assert_eq "$out" "verified 6 entries: hash chain, signatures, rules and state OK" "verify"
ok verify --json --threads 2
assert_json
assert_eq "$(jget 'd["ok"]')" true "verify --json ok"
assert_eq "$(jget 'd["entries"]')" 6 "verify --json entries"

# Flip one byte of entry 2's signature in the stored file: verify must
# name entry 2 and exit 1.
ok show 2 --json
sig=$(jget 'd["sig"]')
python3 - "$MLEDGER_DIR" "$sig" <<'PY'
import os, sys
root, sig = sys.argv[1], bytes.fromhex(sys.argv[2])
hits = 0
for dirpath, _, files in os.walk(root):
    for name in files:
        path = os.path.join(dirpath, name)
        data = bytearray(open(path, "rb").read())
        at = data.find(sig)
        while at >= 0:
            data[at + 10] ^= 0x01
            hits += 1
            at = data.find(sig, at + 1)
        if hits:
            open(path, "wb").write(data)
if hits == 0:
    sys.exit("signature of entry 2 not found in the ledger files")
PY
expect_exit 1 verify
assert_one_line_error
assert_contains "$err" "entry 2"
expect_exit 1 verify --json
assert_json
assert_eq "$(jget 'd["ok"]')" false "verify --json after tampering"
assert_eq "$(jget 'd["bad_seq"]')" 2 "verify --json bad_seq"

echo "query: ok"
