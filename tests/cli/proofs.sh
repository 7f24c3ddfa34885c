#!/usr/bin/env bash
# The verifiable-log commands: a checkpoint signed by the operator and
# opened under its verifier key, inclusion and consistency proofs, and
# `verify --since`, which must refuse a tampered checkpoint, one of another
# ledger, and one signed by a key that is not the operator's.
source "$(dirname "$0")/lib.sh"

ok key new op.key
ok key new miner.key
ok key new other.key
ok init --origin proofs.example/ledger --operator-key op.key

ok vkey
vkey=$out
assert_contains "$vkey" "proofs.example/ledger+" "vkey"
# The same key from the key file: under the ledger's origin, or a named one.
ok key show op.key.pub --vkey
assert_eq "$out" "$vkey" "key show --vkey"
ok key show op.key --vkey --origin proofs.example/ledger
assert_eq "$out" "$vkey" "key show --vkey --origin"
ok key show op.key --vkey --origin other.example/log
assert_contains "$out" "other.example/log+" "key show --vkey under another name"
expect_exit 2 key show op.key --origin proofs.example/ledger
assert_one_line_error
expect_exit 2 key show op.key --vkey --origin "has space"
assert_one_line_error

ok checkpoint --key op.key -o cp1.txt
cp1=$(cat cp1.txt)
assert_contains "$cp1" "proofs.example/ledger" "checkpoint"
assert_contains "$cp1" $'\n1\n' "checkpoint size line"
assert_contains "$cp1" "— proofs.example/ledger " "signature line"

ok actor enroll --key op.key --id ca.mine --name Mine --role miner \
	--country CA --pubkey miner.key.pub --facility pit:CA
ok lot register --key miner.key --lot LI-1 --material ore --mass-g 1000 \
	--content Li=20000 --origin extraction --country CA --site pit
ok checkpoint --key op.key -o cp2.txt
assert_contains "$(cat cp2.txt)" $'\n3\n' "second checkpoint size"

# The daily run: only what is new since the checkpoint.
ok verify --since cp1.txt
assert_contains "$out" "verified 3 entries"
assert_contains "$out" "consistent with the checkpoint of 1 entries"

# Proofs, human and JSON.
ok prove 1
assert_contains "$out" "entry 1 in the tree of 3 entries: 2 hashes"
ok prove 0 --size 1 --json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["size"]==1 and d["proof"]==[], d' <<<"$out" ||
	fail "prove --json"
ok consistency 1 3 --json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["proof"])==2, d' <<<"$out" ||
	fail "consistency --json"
expect_exit 1 prove 3
assert_one_line_error
expect_exit 2 prove abc
expect_exit 2 consistency 3 1
assert_one_line_error

# A tampered checkpoint, another key's, another ledger's: refused.
sed 's/^1$/2/' cp1.txt >bad.txt
expect_exit 1 verify --since bad.txt
assert_one_line_error
expect_exit 1 checkpoint --key other.key
assert_contains "$err" "not an active key of the operator"
mkdir other && (
	export MLEDGER_DIR="$WORK/other/ledger"
	"$MLEDGER" init --origin other.example/ledger --operator-key other.key >/dev/null
	"$MLEDGER" checkpoint --key other.key -o "$WORK/foreign.txt" >/dev/null
)
expect_exit 1 verify --since foreign.txt
assert_one_line_error

echo "proofs: ok"
