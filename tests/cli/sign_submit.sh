#!/usr/bin/env bash
# mledger sign and mledger submit: offline signing without a ledger,
# batches of several files, a stream file of concatenated events, stdin,
# events that depend on earlier ones in the same batch, atomic rejection
# naming the file and event, and --partial.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger

# flip FILE: a copy with the last byte (inside the signature) changed.
flip() {
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-1] ^= 0x01
open(sys.argv[2], "wb").write(d)
' "$1" "$2"
}

# sign_enroll ID ROLE CC FILE [args]: the operator signs an enrolment offline.
sign_enroll() {
	local id=$1 role=$2 cc=$3 file=$4
	shift 4
	new_key "$id"
	ok --ledger "$WORK/no-ledger-here" sign actor enroll --key operator.key \
		--actor operator --id "$id" --name "Actor $id" --role "$role" \
		--country "$cc" --pubkey "$id.key.pub" -o "$file" "$@"
}

# ---- signing offline -------------------------------------------------------

before=$(snapshot)
sign_enroll ca.example-lithium.whabouchi miner CA e1.mle --facility whabouchi-mine:CA
sign_enroll us.example-refining.kings-mountain processor US e2.mle
sign_enroll cl.example-salar.atacama miner CL e3.mle --owner-country CN --owner-share 24
{ [ -s e1.mle ] && [ -s e2.mle ] && [ -s e3.mle ]; } || fail "sign wrote no event files"
[ -z "$out" ] || fail "sign -o printed '$out' on stdout"
expect_unchanged "$before"

# Without --actor, sign finds the key's actor in the ledger if there is one...
new_key ch.example-audit.zug
"$MLEDGER" sign actor enroll --key operator.key --id ch.example-audit.zug \
	--name "Zug Audit" --role auditor --country CH \
	--pubkey ch.example-audit.zug.key.pub >e4.mle ||
	fail "sign to stdout failed"
[ -s e4.mle ] || fail "sign wrote nothing to stdout"
# ... and without a ledger it has to be told.
expect_exit 2 --ledger "$WORK/no-ledger-here" sign actor enroll --key operator.key \
	--id x --name X --role miner --country CA --pubkey e1.mle -o x.mle
expect_exit 2 --ledger "$WORK/no-ledger-here" sign actor enroll --key operator.key \
	--id x --name X --role miner --country CA \
	--pubkey ch.example-audit.zug.key.pub -o x.mle
assert_one_line_error
assert_contains "$err" "--actor"
[ ! -e x.mle ] || fail "a failed sign wrote x.mle"

# What is not an event cannot be signed; -o belongs to sign.
expect_exit 2 sign actor show operator
assert_one_line_error
expect_exit 2 sign
expect_exit 2 sign lot
expect_exit 2 actor enroll --key operator.key --id y --name Y --role miner \
	--country CA --pubkey e1.mle -o y.mle
expect_exit 2 actor enroll --key operator.key --id y --name Y --role miner \
	--country CA --pubkey ch.example-audit.zug.key.pub -o y.mle
assert_one_line_error
assert_contains "$err" "mledger sign"
# Binary is never written to a terminal (checked where script(1) gives one).
if command -v script >/dev/null 2>&1; then
	set +e
	script -qec "$(printf '%q ' "$MLEDGER" sign actor enroll --key operator.key \
		--id z --name Z --role miner --country CA \
		--pubkey ch.example-audit.zug.key.pub)" /dev/null >tty.out 2>&1
	rc=$?
	set -e
	assert_eq "$rc" 2 "exit code of sign to a terminal"
	grep -q "refusing to write a binary event to a terminal" tty.out ||
		fail "sign to a terminal did not refuse: $(cat tty.out)"
fi
ok sign actor enroll --help
assert_contains "$out" "--actor-seq"

# ---- a batch of files ------------------------------------------------------

ok submit e1.mle e2.mle e3.mle
assert_eq "$out" "appended 3 events: seq 1..3" "submit of three files"
ok actor show cl.example-salar.atacama --json
assert_eq "$(jget 'd["owner"]["share_bp"]')" 2400 "owner share of a signed enrolment"
ok submit e4.mle
assert_eq "$out" "appended 1 event: seq 4" "submit of one file"

# The same event twice is a replay.
before=$(snapshot)
expect_exit 1 submit e1.mle
assert_one_line_error
assert_contains "$err" "e1.mle (event 1 of 1)"
expect_unchanged "$before"

# ---- a stream file, stdin, and events that build on each other --------------

sign_enroll us.example-cells.reno manufacturer US s1.mle
sign_enroll ca.example-recycling.kingston recycler CA s2.mle
# The new recycler rotates its key in the same batch that enrols it.
new_key kingston-2
ok --ledger "$WORK/no-ledger-here" sign actor rekey --key ca.example-recycling.kingston.key \
	--actor ca.example-recycling.kingston --id ca.example-recycling.kingston \
	--pubkey kingston-2.key.pub -o s3.mle
cat s1.mle s2.mle s3.mle >stream.mle
ok submit stream.mle
assert_eq "$out" "appended 3 events: seq 5..7" "submit of a stream file"
# The key added in the batch signs for the recycler, found by its kid.
new_key kingston-3
ok actor rekey --key kingston-2.key --id ca.example-recycling.kingston \
	--pubkey kingston-3.key.pub
assert_contains "$out" "appended seq 8 (actor.rekey ca.example-recycling.kingston"

sign_enroll mx.example-freight carrier MX t1.mle
sign_enroll us.example-registry registrar US t2.mle
sign_enroll id.example-nickel.morowali processor ID t3.mle --owner-country CN \
	--owner-share 51 --state-owned
cat t2.mle t3.mle >t23.mle
"$MLEDGER" submit t1.mle - <t23.mle >"$WORK/.out" 2>"$WORK/.err" ||
	fail "submit of a file and stdin failed: $(cat "$WORK/.err")"
assert_eq "$(cat "$WORK/.out")" "appended 3 events: seq 9..11" "submit with stdin"

# ---- atomic rejection ------------------------------------------------------

sign_enroll us.example-p1 processor US a1.mle
sign_enroll us.example-p2 processor US a2.mle
sign_enroll us.example-p3 processor US a3.mle
sign_enroll us.example-p4 processor US a4.mle
flip a2.mle a2-bad.mle
before=$(snapshot)
expect_exit 1 submit a1.mle a2-bad.mle a3.mle
assert_one_line_error
assert_contains "$err" "a2-bad.mle (event 1 of 1): "
expect_unchanged "$before"

cat a1.mle a2-bad.mle a3.mle >bad-stream.mle
expect_exit 1 submit bad-stream.mle
assert_one_line_error
assert_contains "$err" "bad-stream.mle (event 2 of 3): "
expect_unchanged "$before"

# A malformed file rejects the batch before anything is submitted.
printf 'garbage' >junk.mle
expect_exit 1 submit a1.mle junk.mle
assert_one_line_error
assert_contains "$err" "junk.mle"
expect_unchanged "$before"

# ---- --partial -------------------------------------------------------------

expect_exit 1 submit --partial a1.mle a2-bad.mle junk.mle a3.mle
assert_contains "$err" "a2-bad.mle (event 1 of 1): "
assert_contains "$err" "junk.mle"
assert_eq "$(printf '%s\n' "$err" | wc -l)" 2 "one line per rejected file"
assert_eq "$out" "appended 2 events: seq 12..13" "--partial appends the good ones"
ok actor show us.example-p3
expect_exit 1 actor show us.example-p2

before=$(snapshot)
expect_exit 1 --json submit --partial a4.mle a1.mle
assert_json
assert_eq "$(jget 'd["appended"]')" 1 "--partial --json appended"
assert_eq "$(jget 'd["first_seq"]')" 14 "--partial --json first_seq"
assert_eq "$(jget 'd["rejected"][0]["file"]')" a1.mle "--partial --json rejected file"
assert_eq "$(jget 'd["rejected"][0]["event"]')" 1 "--partial --json rejected index"

# All rejected: nothing appended, exit 1.
before=$(snapshot)
expect_exit 1 submit --partial a1.mle junk.mle
assert_eq "$out" "appended 0 events" "--partial with nothing valid"
expect_unchanged "$before"

# ---- --each ----------------------------------------------------------------

# Each file is a batch of its own, committed in turn: a refused file leaves
# the others in, and a later file may use a key enrolled by an earlier one
# in the same run, but not one whose enrolment was refused.
sign_enroll ca.example-mine-5 miner CA b1.mle --facility pit-5:CA
sign_enroll ca.example-mine-6 miner CA b2.mle --facility pit-6:CA
flip b2.mle b2-bad.mle
ore=(--material spodumene-concentrate --mass-g 1000000 --content Li=27900
	--origin extraction --country CA)
ok --ledger "$WORK/no-ledger-here" sign lot register \
	--key ca.example-mine-5.key --actor ca.example-mine-5 --lot LI-EACH-5 \
	"${ore[@]}" --site pit-5 -o b3.mle
ok --ledger "$WORK/no-ledger-here" sign lot register \
	--key ca.example-mine-6.key --actor ca.example-mine-6 --lot LI-EACH-6 \
	"${ore[@]}" --site pit-6 -o b4.mle
sign_enroll us.example-p8 processor US b5.mle
expect_exit 1 submit --each b1.mle b2-bad.mle junk.mle b3.mle b4.mle b5.mle
assert_contains "$err" "b2-bad.mle (event 1 of 1): "
assert_contains "$err" "junk.mle"
assert_contains "$err" "b4.mle (event 1 of 1): "
assert_eq "$(printf '%s\n' "$err" | wc -l)" 3 "one line per refused file"
assert_eq "$out" "b1.mle: appended 1 event: seq 15
b2-bad.mle: appended 0 events
junk.mle: appended 0 events
b3.mle: appended 1 event: seq 16
b4.mle: appended 0 events
b5.mle: appended 1 event: seq 17" "--each: a line per file, the good ones in order"
ok lot show LI-EACH-5
expect_exit 1 lot show LI-EACH-6
expect_exit 1 actor show ca.example-mine-6

# A file with a bad event among good ones goes in whole or not at all.
sign_enroll us.example-p9 processor US b6.mle
cat b6.mle a2-bad.mle >b6-stream.mle
before=$(snapshot)
expect_exit 1 --json submit --each b6-stream.mle junk.mle
assert_json
assert_eq "$(jget 'd["files"][0]["appended"]')" 0 "--each --json: stream refused whole"
assert_eq "$(jget 'd["files"][0]["rejected"][0]["event"]')" 2 "--each --json names the event"
assert_eq "$(jget 'd["files"][1]["refused"]')" true "--each --json: unreadable file"
expect_unchanged "$before"
ok --json submit --each b6.mle
assert_eq "$(jget 'd["files"][0]["first_seq"]')" 18 "--each --json first_seq"

# ---- usage and storage errors ----------------------------------------------

expect_exit 2 submit
assert_one_line_error
expect_exit 2 submit --all a1.mle
assert_one_line_error
expect_exit 3 submit missing.mle
assert_one_line_error
assert_contains "$err" "missing.mle"
expect_exit 3 --ledger "$WORK/no-ledger-here" submit a1.mle
assert_one_line_error

ok verify
assert_contains "$out" "verified 19 entries"
echo "sign_submit: ok"
