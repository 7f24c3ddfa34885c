#!/usr/bin/env bash
# mledger key new|show and mledger init: key files and their modes, key
# ids, refusal to overwrite, the genesis entry, and where the ledger lives
# (--ledger before or after the command, $MLEDGER_DIR, ./ledger).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# ---- key new / show ------------------------------------------------------

ok key new a.key
kid=$out
[[ "$kid" =~ ^[0-9a-f]{32}$ ]] || fail "key new printed '$kid', expected a 32-digit hex kid"
{ [ -f a.key ] && [ -f a.key.pub ]; } || fail "key new did not write a.key and a.key.pub"
assert_eq "$(stat -c %a a.key)" 600 "mode of the private key file"
grep -q "PRIVATE KEY" a.key || fail "a.key is not a PEM private key"
grep -q "PUBLIC KEY" a.key.pub || fail "a.key.pub is not a PEM public key"
if grep -q "PRIVATE" a.key.pub; then fail "a.key.pub holds private material"; fi

ok key show a.key
assert_contains "$out" "alg      ed25519"
assert_contains "$out" "kid      $kid"
assert_contains "$out" "private  yes"
ok key show a.key.pub
assert_contains "$out" "kid      $kid" "the public file's kid"
assert_contains "$out" "private  no"
ok key show a.key.pub --json
assert_json
assert_eq "$(jget 'd["kid"]')" "$kid" "key show --json kid"
assert_eq "$(jget 'd["private"]')" false "key show --json private"
assert_eq "$(jget 'len(d["public"])')" 64 "ed25519 public key hex length"

ok key new p.key --alg p256
ok key show p.key --json
assert_eq "$(jget 'd["alg"]')" p256 "alg of a p256 key"
assert_eq "$(jget 'len(d["public"])')" 130 "p256 public key hex length"
assert_eq "$(stat -c %a p.key)" 600 "mode of the p256 private key file"

ok --json key new j.key
assert_json
assert_eq "$(jget 'd["public"]')" j.key.pub "key new --json public path"

# Never overwrite a key: exit 3, and the old key is still there.
cp a.key a.key.orig
expect_exit 3 key new a.key
assert_one_line_error
assert_contains "$err" "already exists"
cmp -s a.key a.key.orig || fail "key new overwrote a.key"
# Not even when only the .pub half exists.
touch lonely.key.pub
expect_exit 3 key new lonely.key
[ ! -e lonely.key ] || fail "key new wrote lonely.key although lonely.key.pub existed"

expect_exit 2 key new b.key --alg rsa
assert_one_line_error
assert_contains "$err" "rsa"
expect_exit 2 key new
assert_one_line_error
expect_exit 3 key show missing.key
assert_one_line_error
echo "not a key" >junk.pem
expect_exit 2 key show junk.pem
assert_one_line_error

# ---- init ----------------------------------------------------------------

expect_exit 3 status
assert_one_line_error
assert_contains "$err" "no ledger at $MLEDGER_DIR"

# The operator key must be private.
expect_exit 2 init --origin example.org/test --operator-key a.key.pub
assert_one_line_error
expect_exit 2 init --operator-key a.key
assert_contains "$err" "--origin"
expect_exit 2 init --origin example.org/test --operator-key a.key --country Canada
assert_contains "$err" "Canada"
[ ! -e "$MLEDGER_DIR" ] || fail "a failed init left $MLEDGER_DIR behind"

ok init --origin example.org/minerals/test --operator-key a.key \
	--operator-id op.example --name "Example Operator" --country CA
assert_contains "$out" "example.org/minerals/test"
ok status --json
assert_json
assert_eq "$(jget 'd["entries"]')" 1 "entries after init"
assert_eq "$(jget 'd["origin"]')" example.org/minerals/test "origin"
ok status
assert_contains "$out" "origin   example.org/minerals/test"
assert_contains "$out" "entries  1"

ok actor show op.example --json
assert_json
assert_eq "$(jget 'd["roles"]')" '["operator", "registrar"]' "operator roles"
assert_eq "$(jget 'd["country"]')" CA "operator country"
assert_eq "$(jget 'd["enrolled_keys"][0]["kid"]')" "$kid" "operator kid"

ok show 0 --json
assert_json
assert_eq "$(jget 'd["seq"]')" 0 "genesis seq"
assert_eq "$(jget 'd["prev"]')" "$(printf '0%.0s' $(seq 64))" "genesis prev"

before=$(snapshot)
expect_exit 3 init --origin again --operator-key a.key
assert_one_line_error
assert_contains "$err" "already exists"
expect_unchanged "$before"

# ---- where the ledger is --------------------------------------------------

ok key new second.key
ok --ledger "$WORK/second" init --origin example.org/second --operator-key second.key
ok status --ledger "$WORK/second" --json
assert_eq "$(jget 'd["origin"]')" example.org/second "--ledger after the command"
ok --ledger "$WORK/second" status --json
assert_eq "$(jget 'd["origin"]')" example.org/second "--ledger before the command"
(
	cd "$WORK"
	unset MLEDGER_DIR
	mkdir -p cwd && cd cwd
	"$MLEDGER" init --origin example.org/cwd --operator-key ../second.key >/dev/null
	[ -d ledger ] || { echo "FAIL: init without --ledger or MLEDGER_DIR did not use ./ledger" >&2; exit 1; }
	"$MLEDGER" status | grep -q example.org/cwd ||
		{ echo "FAIL: status did not read ./ledger" >&2; exit 1; }
)
expect_exit 3 --ledger "$WORK/nothing-here" log
assert_one_line_error
assert_contains "$err" "no ledger at $WORK/nothing-here"

echo "keys_init: ok"
