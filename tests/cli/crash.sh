#!/usr/bin/env bash
# Crash safety of mledger submit (and of submit --each, whose files commit
# one after another, at the end): a submission killed with SIGKILL at a
# random moment (0-50 ms after it starts, so some kills land before, some
# during and some after the commit) must leave a ledger that verifies, holds
# every batch whose acknowledgement ("appended ...") was printed, and holds
# each batch whole or not at all. Each batch enrols a fresh actor with the
# operator key (operator actor_seq only grows, so a lost batch leaves a gap,
# which the rules allow) and has that actor rotate its key, an event that
# depends on the enrolment in the same batch. Two batches submitted without
# a kill first time a submission; if the faster takes over 25 ms (a
# sanitizer build, a busy machine), the delays stretch to twice that, so
# kills still land on both sides of the commit. The random delays come from
# $RANDOM seeded by MLEDGER_CRASH_SEED (default: the process id); the seed
# is printed so a failure can be replayed.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

BATCHES=40           # killed ones, after two that calibrate the delay
PER_BATCH=2          # an enrolment and a rotation
EACH_RUNS=8          # then submit --each runs killed, of EACH_FILES batches
EACH_FILES=4
seed=${MLEDGER_CRASH_SEED:-$$}
RANDOM=$seed

# Process starts are the slow part of this test, so the loop below uses
# builtins where it can: a timed read on a descriptor that never delivers
# is the sleep, `read` takes a file's first line, [[ =~ ]] reads JSON.
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

# verify_size WHEN: mledger verify --json must pass; $size is its count.
verify_size() {
	if ! "$MLEDGER" verify --json >"$WORK/.out" 2>"$WORK/.err" </dev/null; then
		rc=$?
		out=$(cat "$WORK/.out")
		err=$(cat "$WORK/.err")
		crash_fail "$1: mledger verify exited $rc"
	fi
	out=$(<"$WORK/.out")
	[[ $out =~ \"entries\"[[:space:]]*:[[:space:]]*([0-9]+) ]] ||
		crash_fail "$1: no entry count in mledger verify --json"
	size=${BASH_REMATCH[1]}
}

new_ledger

# ---- sign every batch offline ------------------------------------------------

# The actors' keys come from openssl, which starts faster than a sanitizer
# build of mledger; --pubkey takes a private key file and uses its public
# half.
for ((b = 1; b <= BATCHES + 2 + EACH_RUNS * EACH_FILES; b++)); do
	id=crash-b$b
	for k in "$id.key" "$id-next.key"; do
		openssl genpkey -algorithm ed25519 -out "$k" 2>"$WORK/.err" ||
			{ err=$(cat "$WORK/.err"); fail "openssl genpkey failed"; }
	done
	quiet --ledger "$WORK/no-ledger-here" sign actor enroll --key operator.key \
		--actor operator --actor-seq $((10 * b)) --id "$id" \
		--name "Crash test actor $b" --role miner --country CA \
		--facility "$id.site:CA" --pubkey "$id.key" -o "b$b-e1.mle"
	quiet --ledger "$WORK/no-ledger-here" sign actor rekey --key "$id.key" \
		--actor "$id" --actor-seq 1 --id "$id" --pubkey "$id-next.key" \
		--retire-key "$id.key" -o "b$b-e2.mle"
	cat "b$b-e1.mle" "b$b-e2.mle" >"batch$b.mle"
done

# ---- calibrate: two batches without a kill -----------------------------------

acked=()             # batches whose acknowledgement was printed
took=0               # microseconds: the faster calibration submission
for b in 1 2; do
	t0=${EPOCHREALTIME/[.,]/}
	rc=0
	"$MLEDGER" submit "batch$b.mle" >"submit$b.out" 2>"submit$b.err" </dev/null || rc=$?
	t=$((${EPOCHREALTIME/[.,]/} - t0))
	out=$(<"submit$b.out")
	err=$(<"submit$b.err")
	[ "$rc" -eq 0 ] || fail "mledger submit batch$b.mle exited $rc"
	assert_contains "$out" "appended $PER_BATCH events: seq "
	[ "$took" -ne 0 ] && [ "$t" -ge "$took" ] || took=$t
	acked+=("$b")
done
max_delay=50 # milliseconds
[ $((2 * took / 1000)) -le "$max_delay" ] || max_delay=$((2 * took / 1000))
verify_size "after the calibration batches"
[ "$size" -eq $((1 + 2 * PER_BATCH)) ] ||
	fail "ledger has $size entries after two batches, expected $((1 + 2 * PER_BATCH))"

# ---- submit each batch and kill it ---------------------------------------------

echo "crash: MLEDGER_CRASH_SEED=$seed, kills 0-$max_delay ms in (a submission took $((took / 1000)) ms)"
committed_silently=0 # killed after the commit, before the acknowledgement
lost=0               # killed before the commit
for ((b = 3; b <= BATCHES + 2; b++)); do
	old_size=$size
	d=$((RANDOM % (max_delay + 1)))
	printf -v delay '%d.%03d' $((d / 1000)) $((d % 1000))
	"$MLEDGER" submit "batch$b.mle" >"submit$b.out" 2>"submit$b.err" </dev/null &
	pid=$!
	read -r -t "$delay" -u "$never" _ || true
	kill -KILL "$pid" 2>/dev/null || true
	rc=0
	# The braces keep bash's "Killed" job notice off stderr.
	{ wait "$pid"; } 2>/dev/null || rc=$?
	ack=""
	# A kill before the child opened its output leaves no file at all.
	if [ -s "submit$b.out" ]; then read -r ack <"submit$b.out" || true; fi
	out=$ack
	# 137 is 128 + SIGKILL; otherwise it finished before the kill.
	[ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] ||
		{ err=$(cat "submit$b.err"); crash_fail "batch $b: mledger submit exited $rc (not killed, not ok)"; }
	is_acked=0
	case $ack in
	"appended $PER_BATCH events: seq "*) is_acked=1 ;;
	"") ;;
	*) crash_fail "batch $b: unexpected acknowledgement '$ack'" ;;
	esac
	[ "$rc" -ne 0 ] || [ "$is_acked" -eq 1 ] ||
		crash_fail "batch $b: mledger submit exited 0 without an acknowledgement"

	verify_size "after killing batch $b $d ms in"
	case $((size - old_size)) in
	0)
		[ "$is_acked" -eq 0 ] ||
			crash_fail "batch $b was acknowledged ('$ack') but is not in the ledger ($size entries)"
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
		crash_fail "batch $b changed the ledger by $((size - old_size)) entries, not 0 or $PER_BATCH"
		;;
	esac
done

# ---- submit --each: several batches, each committed in turn, killed ----------

# Every batch killed or not is whole or absent, and since all are valid and
# go in in order, those in the ledger are the first few of the run; every
# file acknowledged is among them.
each_lost=0
for ((r = 0; r < EACH_RUNS; r++)); do
	old_size=$size
	first=$((BATCHES + 3 + r * EACH_FILES))
	files=()
	for ((b = first; b < first + EACH_FILES; b++)); do files+=("batch$b.mle"); done
	d=$((RANDOM % (EACH_FILES * max_delay + 1)))
	printf -v delay '%d.%03d' $((d / 1000)) $((d % 1000))
	"$MLEDGER" submit --each "${files[@]}" >"each$r.out" 2>"each$r.err" </dev/null &
	pid=$!
	read -r -t "$delay" -u "$never" _ || true
	kill -KILL "$pid" 2>/dev/null || true
	rc=0
	{ wait "$pid"; } 2>/dev/null || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] ||
		{ err=$(cat "each$r.err"); crash_fail "submit --each run $r exited $rc (not killed, not ok)"; }
	verify_size "after killing submit --each run $r $d ms in"
	grew=$((size - old_size))
	[ $((grew % PER_BATCH)) -eq 0 ] && [ "$grew" -le $((EACH_FILES * PER_BATCH)) ] ||
		crash_fail "submit --each run $r changed the ledger by $grew entries"
	in_ledger=$((grew / PER_BATCH))
	each_lost=$((each_lost + EACH_FILES - in_ledger))
	for ((b = first; b < first + in_ledger; b++)); do acked+=("$b"); done
	n=0
	if [ -s "each$r.out" ]; then
		n=$(grep -c ": appended $PER_BATCH events: seq " "each$r.out" || true)
	fi
	[ "$n" -le "$in_ledger" ] ||
		crash_fail "submit --each run $r acknowledged $n files but the ledger holds $in_ledger"
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
    if isinstance(ev.get("subject"), dict):
        enrolled.add(ev["subject"]["id"])
    elif "subject" in ev:
        rekeyed.add(ev["subject"])
problems = []
for b in range(1, batches + 1):
    i = "crash-b%d" % b
    have = [i in enrolled, i in rekeyed]
    if str(b) in acked and not all(have):
        problems.append("acknowledged batch %d is missing" % b)
    elif any(have) and not all(have):
        problems.append("batch %d is in the ledger only in part" % b)
print("; ".join(problems))
' "${acked[*]}" "$((BATCHES + 2 + EACH_RUNS * EACH_FILES))") ||
	fail "cannot read mledger --json log"
[ -z "$missing" ] || crash_fail "$missing"

echo "crash: $BATCHES kills: $committed_silently committed without acknowledgement, $lost lost before commit; $EACH_RUNS submit --each runs of $EACH_FILES files killed, $each_lost files lost before their commit; ledger verified after each, $size entries"
echo "crash: ok"
