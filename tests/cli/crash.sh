#!/usr/bin/env bash
# Crash safety of mledger submit: a submission killed with SIGKILL at a
# random moment (0-50 ms after it starts, so some kills land before, some
# during and some after the commit) must leave a ledger that verifies, holds
# every batch whose acknowledgement ("appended ...") was printed, and holds
# each batch whole or not at all. Each batch enrols two fresh actors with
# the operator key (operator actor_seq only grows, so a lost batch leaves
# a gap, which the rules allow) and has the first of them rotate its own
# key, an event that depends on an enrolment in the same batch. The random
# delays come from $RANDOM seeded by MLEDGER_CRASH_SEED (default: the
# process id); the seed is printed so a failure can be replayed.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

BATCHES=40
PER_BATCH=3          # two enrolments and one rotation
seed=${MLEDGER_CRASH_SEED:-$$}
RANDOM=$seed

# Forks are the slow part of this test, so the loop below uses builtins
# where it can: a timed read on a descriptor that never delivers is the
# sleep, and `read` takes a file's first line.
exec {never}<> <(:)

# crash_fail MESSAGE: fail, naming the seed that replays the run.
crash_fail() {
	echo "crash: MLEDGER_CRASH_SEED=$seed reproduces this run" >&2
	fail "$@"
}

# quiet ARGS...: run mledger for its side effect; fail with its stderr.
quiet() {
	"$MLEDGER" "$@" >/dev/null 2>"$WORK/.err" </dev/null ||
		{ err=$(cat "$WORK/.err"); fail "mledger $* failed"; }
}

# read_status: $size and $head from `mledger status --json`.
read_status() {
	local st
	st=$("$MLEDGER" status --json) || crash_fail "mledger status --json failed"
	[[ $st =~ \"entries\"[[:space:]]*:[[:space:]]*([0-9]+) ]] ||
		crash_fail "no entries in mledger status --json: $st"
	size=${BASH_REMATCH[1]}
	[[ $st =~ \"head\"[[:space:]]*:[[:space:]]*\"([0-9a-f]+)\" ]] ||
		crash_fail "no head in mledger status --json: $st"
	head=${BASH_REMATCH[1]}
}

# entry_hash SEQ: the hash of entry SEQ, from `mledger show SEQ --json`.
entry_hash() {
	local e
	e=$("$MLEDGER" show "$1" --json) || crash_fail "mledger show $1 failed"
	[[ $e =~ \"hash\"[[:space:]]*:[[:space:]]*\"([0-9a-f]+)\" ]] ||
		crash_fail "no hash in mledger show $1 --json: $e"
	echo "${BASH_REMATCH[1]}"
}

new_ledger

# ---- sign every batch offline ------------------------------------------------

for ((b = 1; b <= BATCHES; b++)); do
	for j in 1 2; do
		id=crash-b$b-a$j
		quiet key new "$id.key"
		quiet --ledger "$WORK/no-ledger-here" sign actor enroll --key operator.key \
			--actor operator --actor-seq $((10 * b + j)) --id "$id" \
			--name "Crash test actor $b.$j" --role miner --country CA \
			--facility "$id.site:CA" --pubkey "$id.key.pub" -o "b$b-e$j.mle"
	done
	quiet key new "crash-b$b-a1-next.key"
	quiet --ledger "$WORK/no-ledger-here" sign actor rekey --key "crash-b$b-a1.key" \
		--actor "crash-b$b-a1" --actor-seq 1 --id "crash-b$b-a1" \
		--pubkey "crash-b$b-a1-next.key.pub" --retire-key "crash-b$b-a1.key.pub" \
		-o "b$b-e3.mle"
	cat "b$b-e1.mle" "b$b-e2.mle" "b$b-e3.mle" >"batch$b.mle"
done

# ---- submit each batch and kill it ---------------------------------------------

echo "crash: MLEDGER_CRASH_SEED=$seed"
read_status
[ "$size" = 1 ] || fail "a new ledger has '$size' entries, expected 1"
acked=()             # batches whose acknowledgement was printed
committed_silently=0 # killed after the commit, before the acknowledgement
lost=0               # killed before the commit
for ((b = 1; b <= BATCHES; b++)); do
	old_size=$size
	old_head=$head
	printf -v delay '0.%03d' $((RANDOM % 51))
	"$MLEDGER" submit "batch$b.mle" >"submit$b.out" 2>"submit$b.err" </dev/null &
	pid=$!
	read -r -t "$delay" -u "$never" _ || true
	kill -KILL "$pid" 2>/dev/null || true
	rc=0
	# The braces keep bash's "Killed" job notice off stderr.
	{ wait "$pid"; } 2>/dev/null || rc=$?
	out=""
	# A kill before the child opened its output leaves no file at all.
	if [ -s "submit$b.out" ]; then read -r out <"submit$b.out" || true; fi
	# 137 is 128 + SIGKILL; otherwise it finished before the kill.
	[ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] ||
		{ err=$(cat "submit$b.err"); crash_fail "batch $b: mledger submit exited $rc (not killed, not ok)"; }
	is_acked=0
	case $out in
	"appended $PER_BATCH events: seq "*) is_acked=1 ;;
	"") ;;
	*) crash_fail "batch $b: unexpected acknowledgement '$out'" ;;
	esac
	[ "$rc" -ne 0 ] || [ "$is_acked" -eq 1 ] ||
		crash_fail "batch $b: mledger submit exited 0 without an acknowledgement"

	"$MLEDGER" verify >"$WORK/.out" 2>"$WORK/.err" </dev/null || {
		rc=$?
		out=$(cat "$WORK/.out")
		err=$(cat "$WORK/.err")
		crash_fail "after killing batch $b ${delay} s in: mledger verify exited $rc"
	}
	read_status
	# Nothing that was there is gone: the old head is still entry
	# old_size - 1, and verify has checked the chain behind it.
	[ "$(entry_hash $((old_size - 1)))" = "$old_head" ] ||
		crash_fail "after killing batch $b: entry $((old_size - 1)) is no longer the old head $old_head"
	case $((size - old_size)) in
	0)
		[ "$is_acked" -eq 0 ] ||
			crash_fail "batch $b was acknowledged ('$out') but is not in the ledger ($size entries)"
		lost=$((lost + 1))
		;;
	"$PER_BATCH")
		if [ "$is_acked" -eq 1 ]; then
			acked+=("$b")
		else
			committed_silently=$((committed_silently + 1))
		fi
		;;
	*)
		crash_fail "batch $b added $((size - old_size)) entries, not 0 or $PER_BATCH: a batch was split"
		;;
	esac
done

# ---- the ledger at the end -----------------------------------------------------

run --json log
[ "$rc" -eq 0 ] || fail "mledger --json log exited $rc"
missing=$(printf '%s\n' "$out" | python3 -c '
import json, sys
entries = json.load(sys.stdin)
acked = sys.argv[1].split()
batches = int(sys.argv[2])
enrolled, rekeyed = set(), set()
for e in entries:
    ev = e["event"]
    if "subject" in ev and isinstance(ev["subject"], dict):
        enrolled.add(ev["subject"]["id"])
    elif "subject" in ev:
        rekeyed.add(ev["subject"])
problems = []
for b in range(1, batches + 1):
    ids = ["crash-b%d-a%d" % (b, j) for j in (1, 2)]
    have = [i in enrolled for i in ids] + [ids[0] in rekeyed]
    if str(b) in acked and not all(have):
        problems.append("acknowledged batch %d is missing" % b)
    elif any(have) and not all(have):
        problems.append("batch %d is in the ledger only in part" % b)
print("; ".join(problems))
' "${acked[*]}" "$BATCHES") || fail "cannot read mledger --json log"
[ -z "$missing" ] || crash_fail "$missing"
[ "${#acked[@]}" -gt 0 ] || crash_fail "no batch was acknowledged in $BATCHES tries"

echo "crash: $BATCHES kills: ${#acked[@]} acknowledged, $committed_silently committed without acknowledgement, $lost lost before commit; ledger verified after each, $size entries"
echo "crash: ok"
