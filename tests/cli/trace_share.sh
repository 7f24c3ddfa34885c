#!/usr/bin/env bash
# mledger trace and mledger share on a small hand-made chain whose shares
# can be worked out by hand: one tonne of Canadian spodumene refined in the
# US, one tonne refined in China, a cathode made from equal lithium of both,
# and black mass recycled in Canada. Trace in all three formats, shares
# under usmca, ira-30d (by year and by date) and a policy file, a lot still
# in transit, and the errors: unknown lot, bad format, bad policy.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger
MINER=ca.example-lithium.whabouchi
REFINER_US=us.example-refining.kings-mountain
REFINER_CN=cn.example-refining.yichun
CATHODE=us.example-cathode.chattanooga
RECYCLER=ca.example-recycling.kingston
CELLS=us.example-cells.reno
enroll $MINER miner CA --facility whabouchi-mine:CA
enroll $REFINER_US processor US --facility kings-mountain-refinery:US
enroll $REFINER_CN processor CN --facility yichun-refinery:CN
enroll $CATHODE processor US --facility chattanooga-cathode:US
enroll $RECYCLER recycler CA --facility kingston-hub:CA
enroll $CELLS manufacturer US --facility reno-cells:US

# move LOT FROM TO: ship a lot and receive all of it.
move() {
	local mass
	ok lot ship --key "$2.key" --lot "$1" --to "$3"
	ok lot show "$1" --json
	mass=$(jget 'd["remaining_g"]')
	ok lot receive --key "$3.key" --lot "$1" --mass-g "$mass"
}

# share_of LOT POLICY EXPR [share args]: a field of the JSON report.
share_of() {
	local lot=$1 policy=$2 expr=$3
	shift 3
	ok share "$lot" --policy "$policy" --json "$@"
	assert_json
	jget "$expr"
}

# Totals by mass, rounded so that 0.5 and 1.0 compare as text.
totals() { # LOT POLICY [share args]
	share_of "$1" "$2" \
		'" ".join("%s=%.6g" % (k, round(d["total_by_mass"][k], 9)) for k in ("extracted", "processed", "recycled", "sourced", "feoc"))' \
		"${@:3}"
}

# ---- the chain -------------------------------------------------------------

spodumene=(--material spodumene-concentrate --mass-g 1000000 --content Li=27900
	--origin extraction --country CA --site whabouchi-mine)
ok lot register --key $MINER.key --lot LI-CA-1 "${spodumene[@]}"
ok lot register --key $MINER.key --lot LI-CA-2 "${spodumene[@]}"
move LI-CA-1 $MINER $REFINER_US
move LI-CA-2 $MINER $REFINER_CN
# 1 t x 27900 ppm = 27900 g Li in; 160 kg x 165000 ppm = 26400 g out.
ok lot transform --key $REFINER_US.key --in LI-CA-1=1000000 \
	--out LIOH-US:lithium-hydroxide:160000:Li=165000 --stage refining \
	--facility kings-mountain-refinery --country US
ok lot transform --key $REFINER_CN.key --in LI-CA-2=1000000 \
	--out LIOH-CN:lithium-hydroxide:160000:Li=165000 --stage refining \
	--facility yichun-refinery --country CN
# Black mass from Canadian scrap: 200 kg x 35000 ppm = 7000 g Li.
ok lot register --key $RECYCLER.key --lot BM-1 --material black-mass \
	--mass-g 200000 --content Li=35000 --origin recycling --country CA \
	--site kingston-hub
move BM-1 $RECYCLER $REFINER_US
ok lot transform --key $REFINER_US.key --in BM-1=200000 \
	--out LIOH-R:lithium-hydroxide:40000:Li=165000 --stage refining \
	--facility kings-mountain-refinery --country US
# A cathode from equal lithium of both hydroxides: 2 x 13200 g Li in,
# 300 kg x 71000 ppm = 21300 g out.
ok lot ship --key $REFINER_US.key --lot LIOH-US --to $CATHODE
ok lot receive --key $CATHODE.key --lot LIOH-US --mass-g 160000
move LIOH-CN $REFINER_CN $CATHODE
ok lot transform --key $CATHODE.key --in LIOH-US=80000 --in LIOH-CN=80000 \
	--out CATH-1:NMC811-cathode:300000:Li=71000 --stage cathode \
	--facility chattanooga-cathode --country US

# ---- share: usmca ----------------------------------------------------------

assert_eq "$(totals LIOH-US usmca)" \
	"extracted=1 processed=1 recycled=0 sourced=1 feoc=0" \
	"Canadian spodumene refined in the US"
assert_eq "$(share_of LIOH-US usmca 'd["elements"][0]["element"]')" Li "element"
assert_eq "$(share_of LIOH-US usmca 'd["elements"][0]["mass_g"]')" 26400.0 "Li mass"
assert_eq "$(totals LIOH-CN usmca)" \
	"extracted=1 processed=0 recycled=0 sourced=0 feoc=1" \
	"Canadian spodumene refined in China"
assert_eq "$(share_of LIOH-CN usmca '[c["actor"] for c in d["feoc_chains"]]')" \
	"[\"$REFINER_CN\"]" "the foreign entity on the chain"
assert_eq "$(totals CATH-1 usmca)" \
	"extracted=1 processed=0.5 recycled=0 sourced=0.5 feoc=0.5" \
	"a cathode from both"
assert_eq "$(totals LIOH-R usmca)" \
	"extracted=0 processed=1 recycled=1 sourced=1 feoc=0" \
	"recycled in Canada, refined in the US"
assert_eq "$(share_of LIOH-R usmca 'd["total_by_mass"]["secondary"]')" 1.0 \
	"recycled content is secondary"
# usmca is the default policy.
ok share LIOH-US --json
assert_eq "$(jget 'd["policy"]')" usmca "default policy"

ok share CATH-1
assert_contains "$out" "Policy: usmca"
assert_contains "$out" "Li"
assert_contains "$out" "50.0 %"
assert_contains "$out" "through LIOH-CN by $REFINER_CN"

# ---- share: ira-30d --------------------------------------------------------

assert_eq "$(share_of LIOH-US ira-30d '[d["threshold"], d["meets"]]' --year 2025)" \
	"[0.6, true]" "US-refined hydroxide meets the 2025 percentage"
assert_eq "$(share_of LIOH-US ira-30d 'round(d["total_by_mass"]["qualifying"], 9)' --year 2025)" \
	1.0 "qualifying share"
assert_eq "$(share_of LIOH-CN ira-30d 'd["meets"]' --year 2025)" false \
	"China-refined hydroxide"
assert_contains "$(share_of LIOH-CN ira-30d 'd["note"]' --year 2025)" \
	"foreign entity of concern disqualifies"
assert_eq "$(share_of LIOH-US ira-30d 'd["threshold"]' --year 2024)" 0.5 \
	"the 2024 percentage"
# The credit ended for vehicles acquired after 2025-09-30.
assert_eq "$(share_of LIOH-US ira-30d '[d["meets"], d["date"]]' --date 2025-10-01)" \
	'[false, "2025-10-01"]' "acquired after the credit ended"
assert_contains "$(share_of LIOH-US ira-30d 'd["note"]' --date 2025-10-01)" \
	"the credit does not apply"
assert_eq "$(share_of LIOH-US ira-30d '[d["threshold"], d["meets"]]' --year 2026)" \
	"[0.7, false]" "the 2026 percentage, after the credit ended"
ok share LIOH-US --policy ira-30d --date 2025-10-01
assert_contains "$out" "the credit does not apply to vehicles acquired after 2025-09-30"
ok share LIOH-US --policy ira-30d --year 2025
assert_contains "$out" "Applicable percentage 60 %"
assert_contains "$out" ": MET"

# ---- share: a policy file --------------------------------------------------

cat >cn-region.json <<'EOF'
{
  "name": "cn-region",
  "title": "Processing in China counts",
  "version": "1",
  "regions": {"extraction": ["CA"], "processing": ["CN"], "recycling": []},
  "feoc": {"countries": ["RU"], "ownership_threshold_pct": 25}
}
EOF
ok share LIOH-CN --policy-file cn-region.json --json
assert_eq "$(jget 'd["policy"]')" cn-region "policy from a file"
assert_eq "$(jget '[round(d["total_by_mass"]["processed"], 9), round(d["total_by_mass"]["feoc"], 9)]')" \
	"[1.0, 0.0]" "shares under the file's regions"

# ---- trace -----------------------------------------------------------------

ok trace CATH-1
assert_contains "$out" "CATH-1  NMC811-cathode 300000 g"
assert_contains "$out" "+- 80000 g of LIOH-US"
assert_contains "$out" "+- 80000 g of LIOH-CN"
assert_contains "$out" "|  +- 1000000 g of LI-CA-1"
assert_contains "$out" "yichun-refinery (CN)"
tree=$out
ok trace CATH-1 --format tree
assert_eq "$out" "$tree" "--format tree is the default"

ok trace CATH-1 --format json
assert_json
json=$out
assert_eq "$(jget 'd["lot"]')" CATH-1 "trace root"
assert_eq "$(jget 'sorted(n["lot"] for n in d["nodes"])')" \
	'["CATH-1", "LI-CA-1", "LI-CA-2", "LIOH-CN", "LIOH-US"]' "trace nodes"
assert_eq "$(jget 'sorted((i["lot"], i["mass_g"]) for i in d["nodes"][0]["inputs"])')" \
	'[["LIOH-CN", 80000], ["LIOH-US", 80000]]' "cathode inputs"
ok trace CATH-1 --json
assert_eq "$out" "$json" "--json is --format json"
ok --json trace CATH-1 --format json

ok trace CATH-1 --format dot
assert_contains "$out" "digraph trace {"
assert_contains "$out" '"LIOH-US" -> "CATH-1"'
assert_contains "$out" '"LI-CA-2" -> "LIOH-CN"'
if command -v dot >/dev/null 2>&1; then
	printf '%s\n' "$out" | dot -Tsvg >trace.svg || fail "dot could not read the trace"
	grep -q "<svg" trace.svg || fail "dot made no SVG"
fi

ok trace LI-CA-1
assert_contains "$out" "extraction at whabouchi-mine (CA)"

# ---- a lot in transit ------------------------------------------------------

ok lot ship --key $CATHODE.key --lot CATH-1 --to $CELLS
ok lot show CATH-1 --json
assert_eq "$(jget 'd["status"]')" in-transit "cathode shipped"
ok trace CATH-1
assert_eq "$out" "$tree" "trace of a lot in transit"
assert_eq "$(totals CATH-1 usmca)" \
	"extracted=1 processed=0.5 recycled=0 sourced=0.5 feoc=0.5" \
	"shares of a lot in transit"

# ---- errors ----------------------------------------------------------------

before=$(snapshot)
expect_exit 1 trace NO-SUCH
assert_one_line_error
assert_contains "$err" "no lot NO-SUCH in the ledger"
expect_exit 1 trace ''
assert_one_line_error
expect_exit 1 share NO-SUCH
assert_one_line_error
assert_contains "$err" "no lot NO-SUCH in the ledger"
expect_exit 1 share NO-SUCH --policy ira-30d --json
assert_one_line_error

# usage_error ARGS...: exit 2 with one line.
usage_error() {
	expect_exit 2 "$@"
	assert_one_line_error
}
usage_error trace
usage_error trace CATH-1 LIOH-US
usage_error trace CATH-1 --format svg
assert_contains "$err" "tree, json or dot"
usage_error trace CATH-1 --json --format dot
usage_error share
usage_error share CATH-1 --policy nope
assert_contains "$err" "usmca"
usage_error share CATH-1 --policy usmca --policy-file cn-region.json
usage_error share CATH-1 --year 12
usage_error share CATH-1 --year 2026x
usage_error share CATH-1 --date 2025-13-01
usage_error share CATH-1 --date 2025-02-29
usage_error share CATH-1 --date 01/10/2025
printf '{"name": "x",' >broken.json
usage_error share CATH-1 --policy-file broken.json
assert_contains "$err" "broken.json"
sed 's/"version": "1",/"version": "1", "colour": "red",/' cn-region.json >unknown-field.json
usage_error share CATH-1 --policy-file unknown-field.json
assert_contains "$err" "colour"
sed 's/"CN"\]/"China"]/' cn-region.json >bad-country.json
usage_error share CATH-1 --policy-file bad-country.json
expect_exit 3 share CATH-1 --policy-file no-such-policy.json
assert_one_line_error
assert_contains "$err" "no-such-policy.json"
expect_unchanged "$before"
ok verify
