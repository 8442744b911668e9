#!/usr/bin/env bash
# The stages of `make check`, run one after another as `make <stage>`.
#
#   bash Tests/check.sh STAGE...        (the Makefile passes $(CHECK_STAGES))
#
# STAGE may be two or more stages joined by `+` (e.g. fuzz+check-gpio): they run at the same time,
# each with its own log, printed when it ends. Only stages that each keep about one core busy and
# assert no latency of their own host are joined (the fuzzers; check-gpio's VMs measure time inside
# the guest, against its own clock).
#
# Every stage runs even when an earlier one failed, so one CI run shows every problem. Each stage
# has a time limit (CHECK_STAGE_TIMEOUT seconds, default 1200) so nothing can hang CI. After each
# stage a line says its time and its counts; at the end a table of stage times and, as the very
# last line, "N passed, M failed, K skipped" summed over every stage — the line CI reads. The
# exit status is non-zero when any stage failed.
#
# Counts: a pytest stage contributes its summary lines, `swift test` its Swift Testing summary, a
# runner printing "N passed, M failed" (the VM tests) that line, the fuzz stage one per target, any
# other stage (a build) one for the whole stage.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOGS=.build-check
mkdir -p "$LOGS"
STAGE_TIMEOUT="${CHECK_STAGE_TIMEOUT:-1200}"

total_passed=0 total_failed=0 total_skipped=0
failed_stages=()
times=()
check_started=$(date +%s)

# The sum of the numbers before any of the words in $1 (an ERE alternation), read from stdin.
sum_of() { grep -oE "[0-9]+ ($1)\b" | awk '{ n += $1 } END { print n + 0 }'; }

# Prints "passed failed skipped" for one stage's log.
count() {
    local log="$1" status="$2" summary passed=0 failed=0 skipped=0
    # pytest: "==== 3 failed, 40 passed, 2 skipped in 12.3s ====" (or -q: without the '=').
    # Every such line: an e2e stage runs pytest twice (Tests/e2e.sh: side by side, then the serial
    # tests), and deselected tests are the other pass's, not skipped ones.
    summary="$(grep -E '^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s' "$log")"
    if [[ -n "$summary" ]]; then
        passed=$(sum_of 'passed' <<< "$summary")
        failed=$(sum_of 'failed|errors?' <<< "$summary")
        skipped=$(sum_of 'skipped|xfailed' <<< "$summary")
    elif grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
        # A runner of our own (Tests/vm/tests.sh): "N passed, M failed".
        summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
        passed=$(sum_of 'passed' <<< "$summary")
        failed=$(sum_of 'failed' <<< "$summary")
    elif grep -qE 'Test run with [0-9]+ tests?' "$log"; then
        # Swift Testing: "✔ Test run with 277 tests in 40 suites passed after 3.1 seconds." or
        # "✘ Test run with 277 tests in 40 suites failed after 3.1 seconds with 2 issues."
        summary="$(grep -E 'Test run with [0-9]+ tests?' "$log" | tail -n 1)"
        local all
        all=$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<< "$summary")
        failed=$(grep -E '^✘ Test .* failed after' "$log" | sort -u | wc -l)
        skipped=$(grep -E '^➜ Test .* skipped' "$log" | sort -u | wc -l)
        passed=$(( all - failed - skipped ))
        if grep -q 'failed after' <<< "$summary" && [[ "$failed" -eq 0 ]]; then failed=1; fi
    elif grep -qE '^fuzz: ' "$log"; then
        passed=$(grep -cE '^fuzz: [A-Za-z0-9_]+ ok' "$log")
        failed=$(grep -cE '^fuzz: .*(FAILED|does not build|no module|first line must be)' "$log")
    elif [[ "$status" -eq 0 ]]; then
        passed=1
    fi
    # A stage that failed must count as failed even if its output said nothing we recognise
    # (a build error, a pytest collection error, a time-out).
    if [[ "$status" -ne 0 && "$failed" -eq 0 ]]; then failed=1; fi
    echo "$passed $failed $skipped"
}

# Counts one finished stage: its line, its time, the totals.
finish() {
    local stage="$1" status="$2" elapsed="$3" log="$LOGS/$1.log" verdict passed failed skipped
    [[ "$status" -eq 124 ]] && echo "check: stage $stage timed out after ${STAGE_TIMEOUT}s" | tee -a "$log"
    read -r passed failed skipped < <(count "$log" "$status")
    total_passed=$(( total_passed + passed ))
    total_failed=$(( total_failed + failed ))
    total_skipped=$(( total_skipped + skipped ))
    if [[ "$status" -eq 0 ]]; then verdict=ok; else verdict="FAILED (exit $status)"; failed_stages+=("$stage"); fi
    times+=("$(printf '%-18s %5d s  %s' "$stage" "$elapsed" "$verdict")")
    echo "=== check: stage $stage $verdict in ${elapsed}s ($passed passed, $failed failed, $skipped skipped)"
}

for group in "$@"; do
    IFS=+ read -r -a stages <<< "$group"
    if [[ "${#stages[@]}" -eq 1 ]]; then
        stage="$group"
        echo "=== check: stage $stage"
        started=$(date +%s)
        timeout -k 30 "$STAGE_TIMEOUT" make --no-print-directory "$stage" 2>&1 | tee "$LOGS/$stage.log"
        status="${PIPESTATUS[0]}"
        finish "$stage" "$status" $(( $(date +%s) - started ))
        continue
    fi
    # Side by side: each stage's status and end time in a file of its own, its log shown at the end.
    echo "=== check: stages ${stages[*]} side by side"
    started=$(date +%s)
    pids=()
    for stage in "${stages[@]}"; do
        ( timeout -k 30 "$STAGE_TIMEOUT" make --no-print-directory "$stage" > "$LOGS/$stage.log" 2>&1
          echo "$? $(date +%s)" > "$LOGS/$stage.status" ) &
        pids+=("$!")
    done
    wait "${pids[@]}"
    for stage in "${stages[@]}"; do
        echo "=== check: stage $stage (ran beside the others of $group)"
        cat "$LOGS/$stage.log"
        read -r status ended < "$LOGS/$stage.status" || { status=1; ended=$(date +%s); }
        finish "$stage" "$status" $(( ended - started ))
    done
    times+=("$(printf '%-18s %5d s  %s' "$group" $(( $(date +%s) - started )) "(wall clock of the stages above, side by side)")")
done

echo "=== check: stage times"
printf '  %s\n' "${times[@]}"
echo "  total              $(( $(date +%s) - check_started )) s"
if [[ "${#failed_stages[@]}" -gt 0 ]]; then echo "=== check: FAILED stages: ${failed_stages[*]} (logs in $LOGS/)"; fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[[ "$total_failed" -eq 0 && "${#failed_stages[@]}" -eq 0 ]]
