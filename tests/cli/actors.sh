#!/usr/bin/env bash
# mledger actor enroll|rekey|revoke|show: every role, facilities and
# ownership, enrolment by a registrar, key rotation and revocation, and that
# a retired or revoked key is refused afterwards while the new key works.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

new_ledger

# ---- enrol every role ----------------------------------------------------

enroll ca.example-lithium.whabouchi miner CA \
	--facility whabouchi-mine:CA --facility whabouchi-concentrator:CA
assert_contains "$out" "appended seq 1 (actor.enroll"
enroll us.example-refining.kings-mountain processor US \
	--facility kings-mountain-refinery:US
enroll us.example-cells.reno manufacturer US --facility reno-gigafactory:US
enroll ca.example-recycling.kingston recycler CA --facility kingston-hub:ca
enroll ch.example-audit.zug auditor CH
enroll mx.example-freight carrier MX
enroll us.example-registry registrar US
enroll cl.example-salar.atacama miner,processor CL \
	--facility salar-ponds:CL --owner-country CN --owner-share 24.5
enroll id.example-nickel.morowali processor ID \
	--owner-country CN --owner-share 51 --state-owned
# A P-256 key, as held in an HSM.
new_key us.example-p256.hsm p256
ok actor enroll --key operator.key --id us.example-p256.hsm --name "HSM Cells" \
	--role manufacturer --country US --pubkey us.example-p256.hsm.key.pub
assert_eq "$(entries)" 11 "entries after ten enrolments"

ok actor show ca.example-lithium.whabouchi --json
assert_json
assert_eq "$(jget 'd["roles"]')" '["miner"]' "miner roles"
assert_eq "$(jget 'd["country"]')" CA "miner country"
assert_eq "$(jget '[f["id"] + ":" + f["country"] for f in d["facilities"]]')" \
	'["whabouchi-mine:CA", "whabouchi-concentrator:CA"]' "miner facilities"
assert_eq "$(jget 'd["owner"]')" null "miner owner"
assert_eq "$(jget 'd["enrolled_seq"]')" 1 "miner enrolled_seq"
assert_eq "$(jget 'd["revoked"]')" false "miner revoked"
assert_eq "$(jget 'd["enrolled_keys"][0]["kid"]')" \
	"$("$MLEDGER" key show ca.example-lithium.whabouchi.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kid"])')" \
	"miner kid"

ok actor show us.example-p256.hsm --json
assert_eq "$(jget 'd["enrolled_keys"][0]["alg"]')" p256 "alg of an HSM key"

ok actor show ca.example-recycling.kingston --json
assert_eq "$(jget 'd["facilities"][0]["country"]')" CA "lower-case facility country normalised"

ok actor show cl.example-salar.atacama --json
assert_eq "$(jget 'd["roles"]')" '["miner", "processor"]' "two roles"
assert_eq "$(jget 'd["owner"]["country"]')" CN "owner country"
assert_eq "$(jget 'd["owner"]["share_bp"]')" 2450 "24.5 % in basis points"
assert_eq "$(jget 'd["owner"]["state_owned"]')" false "not state-owned"

ok actor show id.example-nickel.morowali
assert_contains "$out" "CN, 51.00%, state-owned"
assert_contains "$out" "processor"

for role in registrar carrier auditor manufacturer recycler; do
	ok log --json
	assert_contains "$out" "\"$role\"" "log --json"
done

# A registrar enrols too; a miner may not.
new_key us.example-refining.fremont
ok actor enroll --key us.example-registry.key --id us.example-refining.fremont \
	--name "Fremont Refinery" --role processor --country US \
	--pubkey us.example-refining.fremont.key.pub
assert_contains "$out" "by us.example-registry"
new_key rogue
before=$(snapshot)
expect_exit 1 actor enroll --key ca.example-lithium.whabouchi.key --id rogue \
	--name Rogue --role miner --country CA --pubkey rogue.key.pub
assert_one_line_error
expect_unchanged "$before"

# Enrolling an id twice is rejected.
expect_exit 1 actor enroll --key operator.key --id ch.example-audit.zug \
	--name Again --role auditor --country CH --pubkey rogue.key.pub
assert_one_line_error
expect_unchanged "$before"

expect_exit 1 actor show no.such.actor
assert_one_line_error
assert_contains "$err" "no.such.actor"

# ---- rekey: the actor rotates its own key --------------------------------

miner=ca.example-lithium.whabouchi
new_key miner-2026
ok actor rekey --key $miner.key --id $miner --pubkey miner-2026.key.pub \
	--retire-key $miner.key.pub
assert_contains "$out" "actor.rekey"
ok actor show $miner --json
assert_eq "$(jget 'd["last_actor_seq"]')" 1 "miner's first actor_seq"

# The retired key no longer signs for the miner...
new_key miner-extra
before=$(snapshot)
expect_exit 1 actor rekey --key $miner.key --actor $miner --id $miner \
	--pubkey miner-extra.key.pub
assert_one_line_error
expect_unchanged "$before"
# ... the new one does, and finds its actor on its own.
ok actor rekey --key miner-2026.key --id $miner --pubkey miner-extra.key.pub
assert_contains "$out" "actor.rekey"

# A registrar may rekey an actor, retiring a key by its kid.
refiner=us.example-refining.kings-mountain
old_kid=$("$MLEDGER" key show $refiner.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kid"])')
new_key refiner-2
ok actor rekey --key us.example-registry.key --id $refiner \
	--pubkey refiner-2.key.pub --retire "$old_kid"
before=$(snapshot)
expect_exit 1 actor rekey --key $refiner.key --actor $refiner --id $refiner \
	--pubkey refiner-2.key.pub
assert_one_line_error
expect_unchanged "$before"

# ---- revoke: one key, then a whole actor ---------------------------------

maker=us.example-cells.reno
new_key maker-2
ok actor rekey --key $maker.key --id $maker --pubkey maker-2.key.pub
ok actor revoke --key operator.key --id $maker --pubkey $maker.key.pub \
	--reason "key copied to an unmanaged laptop"
assert_contains "$out" "actor.revoke"
new_key maker-3
before=$(snapshot)
expect_exit 1 actor rekey --key $maker.key --actor $maker --id $maker \
	--pubkey maker-3.key.pub
assert_one_line_error
expect_unchanged "$before"
ok actor rekey --key maker-2.key --id $maker --pubkey maker-3.key.pub
ok actor show $maker --json
assert_eq "$(jget 'd["revoked"]')" false "revoking one key leaves the actor"

carrier=mx.example-freight
ok actor revoke --key us.example-registry.key --id $carrier --reason "contract ended"
ok actor show $carrier --json
assert_eq "$(jget 'd["revoked"]')" true "revoked actor"
ok actor show $carrier
assert_contains "$out" "revoked at seq"
new_key carrier-2
before=$(snapshot)
expect_exit 1 actor rekey --key $carrier.key --actor $carrier --id $carrier \
	--pubkey carrier-2.key.pub
assert_one_line_error
expect_unchanged "$before"

# Only a registrar revokes.
before=$(snapshot)
expect_exit 1 actor revoke --key ca.example-recycling.kingston.key \
	--id ch.example-audit.zug
assert_one_line_error
expect_unchanged "$before"

# --kid names the key by hex.
auditor_kid=$("$MLEDGER" key show ch.example-audit.zug.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kid"])')
new_key auditor-2
ok actor rekey --key ch.example-audit.zug.key --id ch.example-audit.zug --pubkey auditor-2.key.pub
ok actor revoke --key operator.key --id ch.example-audit.zug --kid "$auditor_kid"
new_key auditor-3
before=$(snapshot)
expect_exit 1 actor rekey --key ch.example-audit.zug.key --actor ch.example-audit.zug \
	--id ch.example-audit.zug --pubkey auditor-3.key.pub
assert_one_line_error
expect_unchanged "$before"

# Explicit --actor-seq: a replay of a used number is refused.
before=$(snapshot)
expect_exit 1 actor rekey --key auditor-2.key --id ch.example-audit.zug \
	--pubkey auditor-2.key.pub --actor-seq 1
assert_one_line_error
expect_unchanged "$before"

ok verify
assert_contains "$out" "verified $(entries) entries"
echo "actors: ok"
