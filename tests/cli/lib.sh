# shellcheck shell=bash
# Helpers sourced by every CLI test script (not a test itself). Each test
# runs the mledger binary given as $1 in a fresh temporary directory that
# is removed on exit, with assertions that say what failed and show the
# command's output, so a red ctest line can be read without a rerun.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/mledger" >&2
	exit 2
fi
MLEDGER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mledger-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export MLEDGER_DIR="$WORK/ledger"

# The interpreter itself, not a version manager's shim: the tests call it
# often, and a shim can cost a second per call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
python3() {
	"$PYTHON" "$@"
}

# Results of the last `run`.
rc=0
out=""
err=""

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$out" ]; then echo "--- stdout of the last command:" >&2; echo "$out" >&2; fi
	if [ -n "$err" ]; then echo "--- stderr of the last command:" >&2; echo "$err" >&2; fi
	exit 1
}

# run ARGS...: run mledger; keep its exit code, stdout and stderr.
run() {
	set +e
	"$MLEDGER" "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null
	rc=$?
	set -e
	out=$(cat "$WORK/.out")
	err=$(cat "$WORK/.err")
}

# ok ARGS...: mledger must succeed.
ok() {
	run "$@"
	[ "$rc" -eq 0 ] || fail "mledger $* exited $rc, expected 0"
}

# expect_exit CODE ARGS...: mledger must exit with CODE.
expect_exit() {
	local want=$1
	shift
	run "$@"
	[ "$rc" -eq "$want" ] || fail "mledger $* exited $rc, expected $want"
}

assert_contains() { # TEXT NEEDLE [WHAT]
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-output} does not contain '$2'" ;;
	esac
}

assert_not_contains() { # TEXT NEEDLE [WHAT]
	case "$1" in
	*"$2"*) fail "${3:-output} contains '$2'" ;;
	*) ;;
	esac
}

assert_eq() { # GOT WANT WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# The last command's stderr is exactly one line starting "mledger: ".
assert_one_line_error() {
	local lines
	lines=$(printf '%s\n' "$err" | wc -l)
	[ -n "$err" ] || fail "no error message on stderr"
	[ "$lines" -eq 1 ] || fail "error is $lines lines, expected one"
	case "$err" in
	"mledger: "*) ;;
	*) fail "error does not start with 'mledger: '" ;;
	esac
}

# The last command's stdout is valid JSON.
assert_json() {
	printf '%s\n' "$out" | python3 -m json.tool >/dev/null ||
		fail "output is not valid JSON"
}

# jget EXPR: evaluate a Python expression over `d`, the last stdout as JSON.
jget() {
	printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
' "$1"
}

# The ledger's entry count and head hash, to prove a rejection changed nothing.
snapshot() {
	"$MLEDGER" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["entries"], d["head"])
'
}

# expect_unchanged BEFORE: the ledger is still at the snapshot BEFORE.
expect_unchanged() {
	local now
	now=$(snapshot)
	[ "$now" = "$1" ] || fail "ledger changed: was '$1', now '$now'"
}

# entries: the ledger's entry count.
entries() {
	snapshot | cut -d' ' -f1
}

# new_key NAME [ALG]: NAME.key and NAME.key.pub in the work directory.
new_key() {
	ok key new "$1.key" --alg "${2:-ed25519}"
}

# new_ledger: an operator key and a ledger in $MLEDGER_DIR.
new_ledger() {
	new_key operator
	ok init --origin example.org/minerals/test --operator-key operator.key \
		--name "Example Ledger Operator" --country US
}

# enroll ID ROLE CC [more enroll args]: the operator enrols ID with a new key.
enroll() {
	local id=$1 role=$2 cc=$3
	shift 3
	new_key "$id"
	ok actor enroll --key operator.key --id "$id" --name "Actor $id" \
		--role "$role" --country "$cc" --pubkey "$id.key.pub" "$@"
}
