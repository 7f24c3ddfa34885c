#!/usr/bin/env bash
# mledger export and mledger audit. A small chain is built with the CLI:
# Canadian spodumene refined in the US into two hydroxide lots, the second
# also made from a Chilean lot (so a bundle of the first holds a transform
# that consumed a lot outside it), an attestation on the mine's facility
# and one on the ore lot. The bundle of the cathode is exported and audited
# in an empty directory with MLEDGER_DIR unset; its report must be what
# `trace` and `share` print on the ledger. Then the tampered bundles, a
# wrong key, and the usage and I/O errors.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger
MINER=ca.mine
MINER_CL=cl.mine
REFINER=us.refiner
CATHODE=us.cathode
AUDITOR=ch.auditor
enroll $MINER miner CA --facility pit:CA
enroll $MINER_CL miner CL --facility salar:CL
enroll $REFINER processor US --facility refinery:US
enroll $CATHODE processor US --facility cathode-plant:US
enroll $AUDITOR auditor CH

ore=(--material spodumene-concentrate --mass-g 1000000 --content Li=27900
	--origin extraction)
ok lot register --key $MINER.key --lot LI-CA "${ore[@]}" --country CA --site pit
ok lot register --key $MINER_CL.key --lot LI-CL "${ore[@]}" --country CL --site salar
for lot in LI-CA:$MINER LI-CL:$MINER_CL; do
	ok lot ship --key "${lot#*:}.key" --lot "${lot%%:*}" --to $REFINER
	ok lot receive --key $REFINER.key --lot "${lot%%:*}" --mass-g 1000000
done
ok lot transform --key $REFINER.key --in LI-CA=500000 \
	--out LIOH-1:lithium-hydroxide:80000:Li=165000 --stage refining \
	--facility refinery --country US
ok lot transform --key $REFINER.key --in LI-CA=500000 --in LI-CL=1000000 \
	--out LIOH-2:lithium-hydroxide:240000:Li=165000 --stage refining \
	--facility refinery --country US
ok lot ship --key $REFINER.key --lot LIOH-1 --to $CATHODE
ok lot receive --key $CATHODE.key --lot LIOH-1 --mass-g 80000
ok lot transform --key $CATHODE.key --in LIOH-1=80000 \
	--out CATH-1:NMC811-cathode:180000:Li=71000 --stage cathode \
	--facility cathode-plant --country US
ok lot attest --key $AUDITOR.key --target facility --id pit --owner $MINER \
	--scheme IRMA --result "IRMA 75" --doc-sha256 "$(printf '%064d' 7)"
ok lot attest --key $AUDITOR.key --target lot --id LI-CA \
	--scheme RMI --result conformant --doc-sha256 "$(printf '%064d' 8)"

# ---- export --------------------------------------------------------------

# No checkpoint yet: the export asks for one.
expect_exit 1 export CATH-1 -o b.mlb
assert_one_line_error
assert_contains "$err" "mledger checkpoint" "export without a checkpoint"
ok export CATH-1 -o b.mlb --key operator.key
ok export CATH-1 -o b2.mlb
cmp b.mlb b2.mlb || fail "two exports against one checkpoint differ"
ok vkey
vkey=$out
ok trace CATH-1
want_trace=$out
ok share CATH-1
want_share=$out
ok share CATH-1 --policy ira-30d --year 2026 --json
want_ira=$out
expect_exit 1 export NO-SUCH-LOT -o x.mlb
assert_one_line_error

# ---- audit, offline --------------------------------------------------------

mkdir empty
cp b.mlb operator.key.pub empty/
cd empty
run_offline() { # ARGS...: mledger with no ledger anywhere
	set +e
	env -u MLEDGER_DIR "$MLEDGER" "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null
	rc=$?
	set -e
	out=$(cat "$WORK/.out")
	err=$(cat "$WORK/.err")
}
run_offline audit b.mlb --trust operator.key.pub
[ "$rc" -eq 0 ] || fail "audit exited $rc"
summary=$(head -n 1 <<<"$out")
assert_contains "$summary" "audit ok: lot CATH-1" "summary"
assert_contains "$summary" "checkpoint example.org/minerals/test size " "summary"
assert_contains "$summary" "1 transform also consumed lots outside the bundle" "summary"
assert_eq "$(tail -n +2 <<<"$out")" "$want_trace"$'\n\n'"$want_share" "audit report"
[ ! -e ledger ] || fail "audit made a ledger"
run_offline audit b.mlb --trust "$vkey" --lot CATH-1 --policy ira-30d \
	--year 2026 --json
[ "$rc" -eq 0 ] || fail "audit with a vkey exited $rc"
assert_json
assert_eq "$(jget 'd["share"]')" "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])))' "$want_ira")" "share as JSON"
assert_eq "$(jget 'd["audit"]["lot"]')" CATH-1 "JSON summary"
echo "$vkey" >op.vkey
run_offline audit b.mlb --trust op.vkey --format json
[ "$rc" -eq 0 ] || fail "audit with a vkey file exited $rc"
cd "$WORK"

# ---- refusals --------------------------------------------------------------

# expect_audit_fail FILE WHAT [args]: exit 1 with one line "mledger: audit: ".
expect_audit_fail() {
	local file=$1 what=$2
	shift 2
	expect_exit 1 audit "$file" --trust operator.key.pub "$@"
	assert_one_line_error
	assert_contains "$err" "mledger: audit: " "$what"
}
size=$(stat -c %s b.mlb)
for at in 0 1 20 $((size / 3)) $((size / 2)) $((size - 40)) $((size - 1)); do
	python3 -c '
import sys
b = bytearray(open("b.mlb", "rb").read())
b[int(sys.argv[1])] ^= 0x01
open("t.mlb", "wb").write(b)' "$at"
	expect_audit_fail t.mlb "byte $at flipped"
done
for n in 1 100 $((size / 2)) $((size - 1)); do
	head -c "$n" b.mlb >t.mlb
	expect_audit_fail t.mlb "truncated to $n bytes"
done
cp b.mlb t.mlb
printf 'x' >>t.mlb
expect_audit_fail t.mlb "a trailing byte"
expect_audit_fail b.mlb "another lot asked for" --lot LIOH-1
assert_contains "$err" "not LIOH-1" "--lot"
new_key stranger
expect_exit 1 audit b.mlb --trust stranger.key.pub
assert_one_line_error
: >empty.mlb
expect_audit_fail empty.mlb "an empty file"

# A bundle of another lot is fine on its own, and not one of CATH-1.
ok export LIOH-2 -o c.mlb
ok audit c.mlb --trust operator.key.pub
expect_audit_fail c.mlb "the bundle of another lot" --lot CATH-1

# Against a served copy of the log (mledger tiles): the entries are proved
# into it too, also once it has grown past the bundle's checkpoint.
ok tiles pub
run_offline audit b.mlb --trust operator.key.pub --tiles pub
[ "$rc" -eq 0 ] || fail "audit --tiles exited $rc: $err"
assert_contains "$(head -n 1 <<<"$out")" "also proved into the served log of" "--tiles summary"
ok lot adjust --key $CATHODE.key --lot CATH-1 --mass-g 1000 --kind sample
ok tiles pub --key operator.key
grown=$(sed -n 2p pub/checkpoint)
run_offline audit b.mlb --trust "$vkey" --tiles pub --json
[ "$rc" -eq 0 ] || fail "audit --tiles of a grown log exited $rc: $err"
assert_eq "$(jget 'd["audit"]["served_size"]')" "$grown" "served size"
# A tile that does not hash to the served checkpoint; a served log of
# another ledger; one signed by another key.
cp -r pub bad
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0] ^= 0x01
open(p, "wb").write(b)' "bad/tile/0/000.p/$grown"
expect_audit_fail b.mlb "a tampered served tile" --tiles bad
assert_contains "$err" "served log" "tampered tile"
mkdir other && (
	export MLEDGER_DIR="$WORK/other/ledger"
	"$MLEDGER" init --origin example.org/minerals/test --operator-key stranger.key >/dev/null
	"$MLEDGER" tiles "$WORK/other/pub" --key stranger.key >/dev/null
)
expect_exit 1 audit b.mlb --trust operator.key.pub --tiles other/pub
assert_one_line_error

# Usage and I/O.
expect_exit 2 audit b.mlb
assert_one_line_error
expect_exit 2 audit b.mlb --trust no-such-file
assert_one_line_error
expect_exit 2 audit b.mlb --trust "example.org/minerals/test+0000+AAAA"
assert_one_line_error
expect_exit 3 audit missing.mlb --trust operator.key.pub
assert_one_line_error
expect_exit 2 export
assert_one_line_error
echo "bundle: ok"
