#!/usr/bin/env bash
# mledger lot register|ship|receive|transform|adjust|attest|show|history|list:
# every event verb once accepted and then refused for each rule it can break
# (wrong custodian, over-consumption, the wrong receiver, an unknown or
# duplicate lot, element balance, time order) and for malformed arguments,
# each refusal one line on stderr with the ledger unchanged; lot events
# signed offline and submitted as one batch; and the three queries in human
# and JSON form.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger
MINER=ca.example-lithium.whabouchi
REFINER=us.example-refining.kings-mountain
CELLS=us.example-cells.reno
RECYCLER=ca.example-recycling.kingston
AUDITOR=ch.example-audit.zug
enroll $MINER miner CA --facility whabouchi-mine:CA --facility whabouchi-concentrator:CA
enroll $REFINER processor US --facility kings-mountain-refinery:US
enroll $CELLS manufacturer US --facility reno-cells:US
enroll $RECYCLER recycler CA --facility kingston-hub:CA
enroll $AUDITOR auditor CH

# refused CODE ARGS...: exit CODE, one line on stderr, and `mledger status
# --json` (entries and head hash) exactly as before. Compared as text, not
# through lib.sh's snapshot: this runs a hundred times and Python would be
# most of the test's time.
refused() {
	local code=$1 before now
	shift
	before=$("$MLEDGER" status --json)
	expect_exit "$code" "$@"
	assert_one_line_error
	now=$("$MLEDGER" status --json)
	[ "$now" = "$before" ] || fail "ledger changed: was $before, now $now"
}

# Event times, so the time rule can be tested: T0 and one hour steps.
T0=1767225600 # 2026-01-01T00:00:00Z
t() { echo $((T0 + 3600 * $1)); }

register=(lot register --key $MINER.key --material spodumene-concentrate
	--origin extraction --country CA --site whabouchi-mine)

# ---- lot register ----------------------------------------------------------

ok "${register[@]}" --lot LI-1 --mass-g 1000000 --content Li=27900,Fe=5000 \
	--hts 2530.90 --value-cents 120000 --time "$(t 0)"
assert_contains "$out" "lot.register LI-1: 1000000 g spodumene-concentrate"
ok lot show LI-1 --json
assert_json
assert_eq "$(jget 'd["custodian"]')" $MINER "custodian of a new lot"
assert_eq "$(jget 'd["status"]')" active "status of a new lot"
assert_eq "$(jget 'd["content_ppm"]')" '{"Fe": 5000, "Li": 27900}' "content in ppm"
assert_eq "$(jget 'd["content_percent"]["Li"]')" 2.79 "Li in percent"
assert_eq "$(jget 'd["hts"]')" 2530.90 "hts"
assert_eq "$(jget 'd["value_cents"]')" 120000 "value"

# The library's rules: duplicate id, a site that is not the signer's, a
# site in another country, an actor without the role.
refused 1 "${register[@]}" --lot LI-1 --mass-g 5 --content Li=5
assert_contains "$err" "lot LI-1 already exists"
refused 1 lot register --key $MINER.key --lot LI-X --material s --mass-g 5 \
	--content Li=5 --origin extraction --country CA --site kings-mountain-refinery
assert_contains "$err" "not a facility of $MINER"
refused 1 lot register --key $MINER.key --lot LI-X --material s --mass-g 5 \
	--content Li=5 --origin extraction --country US --site whabouchi-mine
assert_contains "$err" "is in CA, not US"
refused 1 lot register --key $REFINER.key --lot LI-X --material s --mass-g 5 \
	--content Li=5 --origin extraction --country US --site kings-mountain-refinery
assert_contains "$err" "miner role"
refused 1 lot register --key $MINER.key --lot LI-X --material black-mass \
	--mass-g 5 --content Li=5 --origin recycling --country CA --site whabouchi-mine
assert_contains "$err" "recycler role"

# Arguments checked before anything is signed.
good=("${register[@]}" --lot LI-X)
refused 2 "${good[@]}" --mass-g 12kg --content Li=5
assert_contains "$err" "--mass-g '12kg'"
refused 2 "${good[@]}" --mass-g 0 --content Li=5
refused 2 "${good[@]}" --mass-g -5 --content Li=5
refused 2 "${good[@]}" --mass-g 1.5 --content Li=5
refused 2 "${good[@]}" --mass-g 99999999999999999999999 --content Li=5
refused 2 "${good[@]}" --mass-g ' 5' --content Li=5
refused 2 "${good[@]}" --mass-g 5 --content Li=abc
assert_contains "$err" "Li=abc"
refused 2 "${good[@]}" --mass-g 5 --content Li=0
refused 2 "${good[@]}" --mass-g 5 --content Qq=5
assert_contains "$err" "Qq"
refused 2 "${good[@]}" --mass-g 5 --content Li=5,Li=6
refused 2 "${good[@]}" --mass-g 5 --content Li=600000,Ni=600000
refused 2 "${good[@]}" --mass-g 5 --content Li
refused 2 "${good[@]}" --mass-g 5 --content ''
refused 2 "${good[@]}" --mass-g 5 --content Li=5, --country CA
refused 2 "${good[@]}" --mass-g 5 --content Li=5 --country Canada
assert_contains "$err" "Canada"
refused 2 "${good[@]}" --mass-g 5 --content Li=5 --country C1
refused 2 "${good[@]}" --mass-g 5 --content Li=5 --origin mining
assert_contains "$err" "extraction, recycling"
refused 2 lot register --key $RECYCLER.key --lot BM-X --material black-mass \
	--mass-g 5 --content Li=5 --origin recycling --country CA \
	--site kingston-hub --secondary
refused 2 "${good[@]}" --mass-g 5 --content Li=5 --value-cents 12.50
refused 2 "${good[@]}" --content Li=5
assert_contains "$err" "--mass-g"
refused 2 lot register --key $MINER.key --lot LI-X --material s --mass-g 5 \
	--content Li=5 --origin extraction --country CA
assert_contains "$err" "--site"
refused 2 "${good[@]}" --mass-g 5 --content Li=5 stray
refused 2 "${good[@]}" --mass-g 5 --content Li=5 --colour blue
# The library's own shape check (an id over 128 bytes) is a usage error too.
refused 2 "${register[@]}" --lot "$(printf 'L%.0s' $(seq 200))" --mass-g 5 --content Li=5
# ZZ is an unknown origin country: allowed, where the facility says so.
enroll zz.example-trader miner ZZ --facility unknown-mine:ZZ
ok lot register --key zz.example-trader.key --lot ZZ-1 --material spodumene-concentrate \
	--mass-g 1000 --content Li=20000 --origin extraction --country ZZ --site unknown-mine
# A recycler registers black mass from its feed.
ok lot register --key $RECYCLER.key --lot BM-1 --material black-mass \
	--mass-g 200000 --content Li=35000,Ni=200000,Co=60000,Mn=50000 \
	--origin recycling --country CA --site kingston-hub

# ---- lot ship --------------------------------------------------------------

refused 1 lot ship --key $REFINER.key --lot LI-1 --to $REFINER --time "$(t 1)"
assert_contains "$err" "in the custody of $MINER, not $REFINER"
refused 1 lot ship --key $MINER.key --lot NO-SUCH --to $REFINER
assert_contains "$err" "lot NO-SUCH is not in the ledger"
refused 1 lot ship --key $MINER.key --lot LI-1 --to no.such.actor
assert_contains "$err" "no.such.actor"
refused 1 lot ship --key $MINER.key --lot LI-1 --to $MINER
refused 1 lot ship --key $MINER.key --lot LI-1 --to $REFINER --time $((T0 - 1))
assert_contains "$err" "before"
refused 2 lot ship --key $MINER.key --lot LI-1
assert_contains "$err" "--to"
ok lot ship --key $MINER.key --lot LI-1 --to $REFINER --ref "BOL 2026-0001" --time "$(t 1)"
assert_contains "$out" "lot.ship LI-1 from $MINER to $REFINER"
ok lot show LI-1
assert_contains "$out" "in-transit to $REFINER"
refused 1 lot ship --key $MINER.key --lot LI-1 --to $CELLS --time "$(t 2)"
assert_contains "$err" "in transit"

# ---- lot receive -----------------------------------------------------------

refused 1 lot receive --key $CELLS.key --lot LI-1 --mass-g 998000 --time "$(t 2)"
assert_contains "$err" "in transit to $REFINER, not to $CELLS"
refused 1 lot receive --key $REFINER.key --lot LI-1 --mass-g 1000001 --time "$(t 2)"
assert_contains "$err" "only 1000000 g were shipped"
refused 1 lot receive --key $REFINER.key --lot NO-SUCH --mass-g 5
refused 1 lot receive --key $REFINER.key --lot LI-1 --mass-g 998000 --time "$(t 0)"
assert_contains "$err" "before"
refused 2 lot receive --key $REFINER.key --lot LI-1 --mass-g 998kg
refused 2 lot receive --key $REFINER.key --lot LI-1
ok lot receive --key $REFINER.key --lot LI-1 --mass-g 998000 --time "$(t 2)"
assert_contains "$out" "lot.receive LI-1: 998000 g by $REFINER"
ok lot show LI-1 --json
assert_eq "$(jget 'd["remaining_g"]')" 998000 "remaining after a transit loss"
assert_eq "$(jget 'd["custodian"]')" $REFINER "custodian after receipt"
assert_eq "$(jget 'd["receiver"]')" null "receiver after receipt"
refused 1 lot receive --key $REFINER.key --lot LI-1 --mass-g 998000 --time "$(t 3)"
assert_contains "$err" "not in transit"

# ---- lot transform ---------------------------------------------------------

xf=(lot transform --key $REFINER.key --stage refining
	--facility kings-mountain-refinery --country US)
# A trial batch first: 198000 g of concentrate (5524.2 g Li) into 33000 g of
# hydroxide at 165000 ppm (5445 g Li), leaving 800000 g.
ok "${xf[@]}" --in LI-1=198000 --out LIOH-T:lithium-hydroxide:33000:Li=165000 \
	--time "$(t 3)"
assert_contains "$out" "lot.transform refining at kings-mountain-refinery (US): 1 input -> LIOH-T"

refused 1 "${xf[@]}" --in LI-1=1200000 --out LIOH-X:lithium-hydroxide:1:Li=1 --time "$(t 4)"
assert_contains "$err" "lot LI-1: 1200000 g requested, 800000 g remain"
# 800000 g x 27900 ppm = 22320 g Li in; 140000 g x 165000 ppm = 23100 g out.
refused 1 "${xf[@]}" --in LI-1=800000 --out LIOH-X:lithium-hydroxide:140000:Li=165000 --time "$(t 4)"
assert_contains "$err" "Li out (23100 g) exceeds Li in (22320 g)"
refused 1 "${xf[@]}" --in LI-1=1000 --out LIOH-X:lithium-hydroxide:10:Li=1000,Ni=10 --time "$(t 4)"
assert_contains "$err" "Ni out"
refused 1 lot transform --key $CELLS.key --in LI-1=1000 --out X-1:x:1:Li=1 \
	--stage cell --facility reno-cells --country US --time "$(t 4)"
assert_contains "$err" "in the custody of $REFINER, not $CELLS"
refused 1 "${xf[@]}" --in NO-SUCH=5 --out X-1:x:1 --time "$(t 4)"
assert_contains "$err" "lot NO-SUCH is not in the ledger"
refused 1 "${xf[@]}" --in LI-1=1000 --out LIOH-T:x:1:Li=1 --time "$(t 4)"
assert_contains "$err" "lot LIOH-T already exists"
refused 1 "${xf[@]}" --in LI-1=1000 --out X-1:x:1:Li=1 --time "$(t 2)"
assert_contains "$err" "before"
refused 1 lot transform --key $REFINER.key --in LI-1=1000 --out X-1:x:1:Li=1 \
	--stage refining --facility reno-cells --country US --time "$(t 4)"
assert_contains "$err" "not a facility of $REFINER"
refused 1 lot transform --key $REFINER.key --in LI-1=1000 --out X-1:x:1:Li=1 \
	--stage refining --facility kings-mountain-refinery --country CN --time "$(t 4)"
assert_contains "$err" "is in US, not CN"
refused 1 lot transform --key $REFINER.key --in LI-1=1000 --out X-1:x:1:Li=1 \
	--stage recycling --facility kings-mountain-refinery --country US --time "$(t 4)"
assert_contains "$err" "recycler role"
# Malformed arguments.
refused 2 "${xf[@]}" --in LI-1 --out X-1:x:1
assert_contains "$err" "LOT=GRAMS"
refused 2 "${xf[@]}" --in LI-1=12kg --out X-1:x:1
refused 2 "${xf[@]}" --in LI-1=0 --out X-1:x:1
refused 2 "${xf[@]}" --in =5 --out X-1:x:1
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x
assert_contains "$err" "LOT:MATERIAL:GRAMS"
refused 2 "${xf[@]}" --in LI-1=5 --out X-1::5
refused 2 "${xf[@]}" --in LI-1=5 --out :x:5
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:5kg
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:0
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:5:
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:5:Li=5:Ni=5
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:5:Zz=5
refused 2 "${xf[@]}" --in LI-1=5 --in LI-1=5 --out X-1:x:1
assert_contains "$err" "twice"
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --out X-1:x:1
refused 2 lot transform --key $REFINER.key --in LI-1=5 --out X-1:x:1 \
	--stage roasting --facility kings-mountain-refinery --country US
assert_contains "$err" "refining, smelting"
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --model blended
assert_contains "$err" "mass-balance"
refused 2 lot transform --key $REFINER.key --in LI-1=5 --out X-1:x:1 \
	--stage refining --facility kings-mountain-refinery --country USA
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --value-added-cents lots
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --out-value X-2=100
assert_contains "$err" "X-2 is not an --out lot"
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --out-value X-1=1.5
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --out-value X-1=1 --out-value X-1=2
refused 2 "${xf[@]}" --in LI-1=5 --out X-1:x:1 --out-hts X-2=2825.20
refused 2 "${xf[@]}" --out X-1:x:1
assert_contains "$err" "--in"
refused 2 "${xf[@]}" --in LI-1=5
assert_contains "$err" "--out"
refused 2 lot transform --key $REFINER.key --in LI-1=5 --out X-1:x:1 \
	--facility kings-mountain-refinery --country US
assert_contains "$err" "--stage"

# The rest of the concentrate: two outputs, a model, values and HTS codes.
# Li in: 800000 x 27900 = 22320 g; out: 130000 x 165000 = 21450 g in the
# hydroxide plus 400000 x 1500 = 600 g in the tailings.
ok "${xf[@]}" --in LI-1=800000 \
	--out LIOH-1:lithium-hydroxide:130000:Li=165000 \
	--out TAIL-1:refinery-tailings:400000:Li=1500,Fe=9000 \
	--model segregated --value-added-cents 150000000 \
	--out-value LIOH-1=260000000 --out-hts LIOH-1=2825.20 --time "$(t 4)"
assert_contains "$out" "1 input -> LIOH-1, ..."
ok lot show LIOH-1 --json
assert_json
assert_eq "$(jget 'd["mass_g"]')" 130000 "output mass"
assert_eq "$(jget 'd["content_ppm"]')" '{"Li": 165000}' "output content"
assert_eq "$(jget 'd["value_cents"]')" 260000000 "output value"
assert_eq "$(jget 'd["hts"]')" 2825.20 "output hts"
assert_eq "$(jget 'd["custodian"]')" $REFINER "output custodian"
ok lot show TAIL-1 --json
assert_eq "$(jget 'd["value_cents"]')" null "an output without a value"
ok lot show LI-1 --json
assert_eq "$(jget 'd["status"]')" consumed "input used up"
assert_eq "$(jget 'd["remaining_g"]')" 0 "remaining of a consumed lot"
refused 1 "${xf[@]}" --in LI-1=1 --out X-1:x:1 --time "$(t 5)"
assert_contains "$err" "consumed"

# ---- lot adjust ------------------------------------------------------------

refused 1 lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 130001 --kind loss --time "$(t 5)"
assert_contains "$err" "lot LIOH-1: 130001 g requested, 130000 g remain"
refused 1 lot adjust --key $MINER.key --lot LIOH-1 --mass-g 1 --kind loss --time "$(t 5)"
assert_contains "$err" "in the custody of $REFINER, not $MINER"
refused 1 lot adjust --key $REFINER.key --lot NO-SUCH --mass-g 1 --kind loss
refused 1 lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 1 --kind loss --time "$(t 3)"
assert_contains "$err" "before"
refused 2 lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 1 --kind theft
assert_contains "$err" "loss, sample, scrap"
refused 2 lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 0 --kind loss
refused 2 lot adjust --key $REFINER.key --lot LIOH-1 --kind loss
refused 2 lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 1
assert_contains "$err" "--kind"
ok lot adjust --key $REFINER.key --lot LIOH-1 --mass-g 250 --kind sample \
	--reason "assay retain" --time "$(t 5)"
assert_contains "$out" "lot.adjust LIOH-1: 250 g sample"
ok lot show LIOH-1 --json
assert_eq "$(jget 'd["remaining_g"]')" 129750 "remaining after a sample"
assert_eq "$(jget 'd["mass_g"]')" 130000 "mass as created is kept"

# ---- lot attest ------------------------------------------------------------

printf 'IRMA audit report, Whabouchi, 2026\n' >report.txt
sum=$(sha256sum report.txt | cut -c1-64)
ok lot attest --key $AUDITOR.key --target facility --id whabouchi-mine \
	--owner $MINER --scheme IRMA --result "IRMA 75" --doc report.txt \
	--valid-from 2026-01-01 --valid-until 2028-12-31
assert_contains "$out" "lot.attest facility whabouchi-mine: IRMA IRMA 75 by $AUDITOR"
seq=$(entries)
ok show $((seq - 1)) --json
assert_eq "$(jget 'd["event"]["doc_sha256"]')" "$sum" "document hash recorded"
assert_eq "$(jget 'd["event"]["valid_from"]')" 1767225600 "valid from, midnight UTC"
assert_eq "$(jget 'd["event"]["valid_until"]')" 1861919999 "valid until, end of day UTC"
ok lot attest --key $AUDITOR.key --target lot --id LIOH-1 --scheme "RMI RMAP" \
	--result conformant --doc-sha256 "$sum"
"$MLEDGER" lot attest --key $AUDITOR.key --target actor --id $REFINER \
	--scheme TSM --result AA --doc - <report.txt >/dev/null ||
	fail "attest with the document on stdin failed"
ok show $(($(entries) - 1)) --json
assert_eq "$(jget 'd["event"]["doc_sha256"]')" "$sum" "document hash from stdin"
refused 1 lot attest --key $MINER.key --target lot --id LIOH-1 --scheme IRMA \
	--result 100 --doc-sha256 "$sum"
assert_contains "$err" "auditor role"
refused 1 lot attest --key $AUDITOR.key --target lot --id NO-SUCH --scheme IRMA \
	--result 100 --doc-sha256 "$sum"
assert_contains "$err" "lot NO-SUCH is not in the ledger"
refused 1 lot attest --key $AUDITOR.key --target facility --id reno-cells \
	--owner $MINER --scheme IRMA --result 100 --doc-sha256 "$sum"
assert_contains "$err" "not a facility of $MINER"
refused 2 lot attest --key $AUDITOR.key --target facility --id whabouchi-mine \
	--scheme IRMA --result 100 --doc-sha256 "$sum"
assert_contains "$err" "--owner"
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 --owner $MINER \
	--scheme IRMA --result 100 --doc-sha256 "$sum"
refused 2 lot attest --key $AUDITOR.key --target mine --id LIOH-1 \
	--scheme IRMA --result 100 --doc-sha256 "$sum"
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc-sha256 abc123
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc report.txt --doc-sha256 "$sum"
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc-sha256 "$sum" --valid-from 2026-02-30
assert_contains "$err" "2026-02-30"
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc-sha256 "$sum" --valid-until 2026/12/31
refused 2 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc-sha256 "$sum" \
	--valid-from 2027-01-01 --valid-until 2026-12-31
refused 3 lot attest --key $AUDITOR.key --target lot --id LIOH-1 \
	--scheme IRMA --result 100 --doc no-such-report.pdf
assert_contains "$err" "no-such-report.pdf"

# ---- sign offline, submit as one batch -------------------------------------

# The refiner ships hydroxide to the cell maker; both sign on machines
# without the ledger, and the operator submits the two files as one batch.
nowhere=(--ledger "$WORK/no-ledger-here")
ok "${nowhere[@]}" sign lot ship --key $REFINER.key --actor $REFINER \
	--lot LIOH-1 --to $CELLS --ref "BOL 2026-0002" --time "$(t 6)" -o ship.mle
ok "${nowhere[@]}" sign lot receive --key $CELLS.key --actor $CELLS \
	--lot LIOH-1 --mass-g 129700 --time "$(t 7)" -o receive.mle
# The cell maker makes cells from part of it, and the auditor attests them.
ok "${nowhere[@]}" sign lot transform --key $CELLS.key --actor $CELLS \
	--in LIOH-1=1000 --out CELL-1:battery-cell:5000:Li=10000 --stage cell \
	--facility reno-cells --country US --time "$(t 8)" -o cells.mle
ok "${nowhere[@]}" sign lot attest --key $AUDITOR.key --actor $AUDITOR \
	--target lot --id CELL-1 --scheme "GBA passport" --result verified \
	--doc-sha256 "$sum" -o attest.mle
# The miner, whose key is enrolled, signs without --actor against the ledger.
ok sign lot register --key $MINER.key --lot LI-2 --material spodumene-concentrate \
	--mass-g 500000 --content Li=28000 --origin extraction --country CA \
	--site whabouchi-mine -o register.mle
# Arguments are checked offline too, and nothing is written.
expect_exit 2 "${nowhere[@]}" sign lot receive --key $CELLS.key --actor $CELLS \
	--lot LIOH-1 --mass-g 12kg -o bad.mle
assert_one_line_error
[ ! -e bad.mle ] || fail "a refused sign wrote bad.mle"
expect_exit 2 "${nowhere[@]}" sign lot register --key $MINER.key --lot X \
	--material s --mass-g 5 --content Li=5 --origin extraction --country CA \
	--site whabouchi-mine -o bad.mle
assert_contains "$err" "--actor"
[ ! -e bad.mle ] || fail "a refused sign wrote bad.mle"

# A batch with an event that breaks a rule is refused whole.
ok "${nowhere[@]}" sign lot adjust --key $CELLS.key --actor $CELLS \
	--lot LIOH-1 --mass-g 999999 --kind scrap --time "$(t 8)" -o over.mle
refused 1 submit ship.mle receive.mle over.mle
assert_contains "$err" "over.mle"
assert_contains "$err" "999999 g requested, 129700 g remain"
ok submit ship.mle receive.mle cells.mle attest.mle register.mle
assert_contains "$out" "appended 5 events"
ok lot show LIOH-1 --json
assert_eq "$(jget 'd["custodian"]')" $CELLS "custodian after a submitted receipt"
assert_eq "$(jget 'd["remaining_g"]')" 128700 "remaining after a submitted transform"
ok lot show CELL-1 --json
assert_eq "$(jget 'd["custodian"]')" $CELLS "cells made from a submitted transform"
ok lot history CELL-1 --json
assert_eq "$(jget '[e["event"]["type"] for e in d]')" \
	'["lot.transform", "lot.attest"]' "history of the cells"
ok lot show LI-2 --json
assert_eq "$(jget 'd["mass_g"]')" 500000 "a lot registered from a signed file"

# ---- lot show --------------------------------------------------------------

ok lot show LIOH-1
assert_contains "$out" "material     lithium-hydroxide"
assert_contains "$out" "Li  165000 ppm  (16.5 %)"
assert_contains "$out" "remaining    128700 g"
assert_contains "$out" "status       active"
assert_contains "$out" "custodian    $CELLS"
assert_contains "$out" "hts          2825.20"
assert_contains "$out" "USD 2600000.00"
ok lot show BM-1
assert_contains "$out" "Co   60000 ppm  (6 %)"
refused 1 lot show NO-SUCH
assert_contains "$err" "no lot NO-SUCH in the ledger"
refused 1 lot show ''
refused 2 lot show
refused 2 lot show LI-1 LI-2

# ---- lot history -----------------------------------------------------------

ok lot history LI-1
assert_contains "$out" "lot.register    LI-1: 1000000 g spodumene-concentrate"
assert_eq "$(printf '%s\n' "$out" | awk '{print $3}' | tr '\n' ' ')" \
	"lot.register lot.ship lot.receive lot.transform lot.transform " \
	"history of LI-1"
ok lot history LIOH-1 --json
assert_json
assert_eq "$(jget '[e["event"]["type"] for e in d]')" \
	'["lot.transform", "lot.adjust", "lot.attest", "lot.ship", "lot.receive", "lot.transform"]' \
	"history of LIOH-1 in JSON"
assert_eq "$(jget 'd[3]["event"]["ref"]')" "BOL 2026-0002" "shipment reference"
assert_eq "$(jget 'all(e["seq"] < f["seq"] for e, f in zip(d, d[1:]))')" true \
	"history in order"
refused 1 lot history NO-SUCH
assert_contains "$err" "no lot NO-SUCH in the ledger"
refused 1 lot history ''

# ---- lot list --------------------------------------------------------------

ok lot list
assert_contains "$out" "LOT"
assert_contains "$out" "CUSTODIAN"
for id in LI-1 LI-2 LIOH-T LIOH-1 TAIL-1 BM-1 ZZ-1 CELL-1; do
	assert_contains "$out" "$id"
done
ok lot list --custodian $CELLS
assert_eq "$(printf '%s\n' "$out" | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" \
	"CELL-1 LIOH-1 " "lots held by the cell maker"
ok lot list --status consumed --json
assert_json
assert_eq "$(jget '[l["id"] for l in d]')" '["LI-1"]' "consumed lots"
ok lot list --status active --custodian $REFINER --json
assert_eq "$(jget '[l["id"] for l in d]')" '["LIOH-T", "TAIL-1"]' \
	"active lots of the refiner"
ok lot ship --key $MINER.key --lot LI-2 --to $REFINER
ok lot list --status in-transit
assert_contains "$out" "in-transit"
assert_contains "$out" "LI-2"
ok lot list --custodian nobody --json
assert_eq "$out" "[]" "an empty list"
refused 2 lot list --status lost
assert_contains "$err" "active, in-transit or consumed"
refused 2 lot list stray

# ---- the group -------------------------------------------------------------

ok lot --help
assert_contains "$out" "transform"
assert_contains "$out" "--out LOT:MATERIAL:GRAMS"
expect_exit 2 lot
expect_exit 2 lot melt
assert_one_line_error
ok verify
