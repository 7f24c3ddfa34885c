#!/usr/bin/env bash
# Usage errors exit 2 with one line naming what was wrong; a missing ledger
# exits 3; help and version exit 0. None of them may change the ledger.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- help and version -------------------------------------------------------

ok --help
assert_contains "$out" "actor enroll"
assert_contains "$out" "exit codes:"
ok help
assert_contains "$out" "submit"
ok --version
assert_contains "$out" "mledger "
ok actor --help
assert_contains "$out" "enroll"
assert_contains "$out" "--owner-share"
ok help actor rekey
assert_contains "$out" "--retire-key"
ok actor enroll --help
assert_contains "$out" "--facility ID:CC"
ok --help actor revoke
assert_contains "$out" "--reason"
ok submit --help
assert_contains "$out" "--partial"
expect_exit 2
assert_contains "$err" "usage: mledger"
expect_exit 2 actor
assert_contains "$err" "verbs:"

# ---- unknown commands and options ------------------------------------------

expect_exit 2 frobnicate
assert_one_line_error
assert_contains "$err" "frobnicate"
expect_exit 2 actor dance
assert_one_line_error
assert_contains "$err" "actor dance"
expect_exit 2 --frob status
assert_one_line_error
expect_exit 2 status --frob
assert_one_line_error
assert_contains "$err" "--frob"
expect_exit 2 help frobnicate
assert_one_line_error

# ---- bad arguments to event commands ---------------------------------------

new_ledger
new_key m
before=$(snapshot)
good=(actor enroll --key operator.key --id ca.example.m --name "M" --role miner --country CA --pubkey m.key.pub)

# usage_error ARGS...: exit 2, one line, ledger unchanged.
usage_error() {
	expect_exit 2 "$@"
	assert_one_line_error
	expect_unchanged "$before"
}

usage_error actor enroll --key operator.key --name M --role miner --country CA --pubkey m.key.pub
assert_contains "$err" "--id"
usage_error actor enroll --key operator.key --id x --role miner --country CA --pubkey m.key.pub
assert_contains "$err" "--name"
usage_error actor enroll --key operator.key --id x --name M --country CA --pubkey m.key.pub
assert_contains "$err" "--role"
usage_error actor enroll --key operator.key --id x --name M --role miner --pubkey m.key.pub
assert_contains "$err" "--country"
usage_error actor enroll --key operator.key --id x --name M --role miner --country CA
assert_contains "$err" "--pubkey"
usage_error actor enroll --id x --name M --role miner --country CA --pubkey m.key.pub
assert_contains "$err" "--key"
usage_error "${good[@]}" --country Canada
assert_contains "$err" "Canada"
usage_error "${good[@]}" --country C1
usage_error "${good[@]}" --role miner,wizard
assert_contains "$err" "wizard"
usage_error "${good[@]}" --role ""
usage_error "${good[@]}" --owner-country CN --owner-share 150
assert_contains "$err" "150"
usage_error "${good[@]}" --owner-country CN --owner-share 100.01
usage_error "${good[@]}" --owner-country CN --owner-share 12.345
usage_error "${good[@]}" --owner-country CN --owner-share -5
usage_error "${good[@]}" --owner-country CN --owner-share 1e2
usage_error "${good[@]}" --owner-country CN --owner-share abc
usage_error "${good[@]}" --owner-share 20
assert_contains "$err" "--owner-country"
usage_error "${good[@]}" --state-owned
usage_error "${good[@]}" --owner-country China
usage_error "${good[@]}" --facility nocountry
usage_error "${good[@]}" --facility :CA
usage_error "${good[@]}" --facility mine:Canada
usage_error "${good[@]}" --actor-seq -1
usage_error "${good[@]}" --actor-seq 18446744073709551616
usage_error "${good[@]}" --actor-seq " 5"
usage_error "${good[@]}" --time 12x
usage_error "${good[@]}" --pubkey
usage_error "${good[@]}" stray-argument
usage_error actor enroll --key operator.key.pub --id x --name M --role miner --country CA --pubkey m.key.pub
assert_contains "$err" "private"
usage_error actor rekey --key operator.key --id x
assert_contains "$err" "--pubkey"
usage_error actor rekey --key operator.key --id ca.example.m --pubkey m.key.pub --retire abc
usage_error actor rekey --key operator.key --id ca.example.m --pubkey m.key.pub \
	--retire 00112233445566778899aabbccddeeff --retire-key m.key.pub
usage_error actor revoke --key operator.key
assert_contains "$err" "--id"
usage_error actor revoke --key operator.key --id ca.example.m --kid zz112233445566778899aabbccddeeff
usage_error log --limit ten
usage_error log --from -1
usage_error show
usage_error show 1x
usage_error verify --threads 0
usage_error key new k.key --alg rsa

# The same arguments, put right, are accepted.
ok "${good[@]}" --owner-country CN --owner-share 0.5 --facility mine:ca
ok actor show ca.example.m --json
assert_eq "$(jget 'd["owner"]["share_bp"]')" 50 "0.5 % in basis points"
new_key n
ok actor enroll --key operator.key --id ca.example.n --name N --role miner --country ca \
	--pubkey n.key.pub --owner-country CN --owner-share 100 --state-owned
ok actor show ca.example.n --json
assert_eq "$(jget 'd["owner"]["share_bp"]')" 10000 "100 % in basis points"
assert_eq "$(jget 'd["country"]')" CA "country upper-cased"

# ---- no ledger -----------------------------------------------------------------

export MLEDGER_DIR="$WORK/none"
for cmd in status log verify "show 0" "actor show x"; do
	# shellcheck disable=SC2086
	expect_exit 3 $cmd
	assert_one_line_error
	assert_contains "$err" "no ledger at $WORK/none"
done
expect_exit 3 "${good[@]}"
assert_one_line_error
[ ! -e "$WORK/none" ] || fail "a command on a missing ledger created it"

echo "usage: ok"
