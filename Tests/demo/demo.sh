#!/usr/bin/env bash
# The tanglemeter story on simulated hardware (DESIGN §5, `make demo`): two PZEM-004T meters on one
# simulated bus (meter-sim on a pty), a local IOTA node stand-in (Tests/support/fake_node.py) on
# loopback, and the daemon with etc/demo.conf and simulated GPIO files. Every query is real `socat`
# on the real socket; every relay and LED state is read from the sim GPIO files.
#
#   demo.sh [run]            tell the whole story, then stop everything (also on Ctrl-C)
#   demo.sh shell            start the same set-up and leave it running in $DEMO_DIR
#   demo.sh pay METER IOTA   (shell) send a payment to METER's address through the node stand-in
#   demo.sh stop             (shell) stop what `demo.sh shell` started
#
# Binaries come from $TM_BIN_DIR (default build/, made by `make firmware`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${TM_BIN_DIR:-$ROOT/build}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
SHELL_DIR=${DEMO_DIR:-${TMPDIR:-/tmp}/tanglemeter-demo}
NANOS_PER_IOTA=1000000000
# Where each meter of etc/demo.conf lives: modbus address, relay line, LED line.
declare -A MODBUS=([flat1]=1 [flat2]=2 [shop]=3) RELAY=([flat1]=17 [flat2]=22 [shop]=24) LED=([flat1]=27 [flat2]=23 [shop]=25)

DIR=""
SIM_FD=""
if [[ -t 1 ]]; then BOLD=$'\033[1m' DIM=$'\033[2m' OFF=$'\033[0m'; else BOLD="" DIM="" OFF=""; fi

# --- narration and checks ------------------------------------------------------------------------
say()  { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }
note() { printf '   %s\n' "$*"; }
fail() {
    printf '\n%sdemo failed: %s%s\n' "$BOLD" "$*" "$OFF" >&2
    if [[ -n $DIR && -f $DIR/daemon.log ]]; then
        echo "--- last lines of the daemon's log ($DIR/daemon.log):" >&2
        tail -n 15 "$DIR/daemon.log" >&2
    fi
    exit 1
}

# wait_for SECONDS WHAT COMMAND…: runs COMMAND every 50 ms until it succeeds; fails after SECONDS.
wait_for() {
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for $what"
        sleep 0.05
    done
}

# --- the socket, through socat -------------------------------------------------------------------
sock() { echo "$DIR/tanglemeter.sock"; }
# One request, the reply on stdout (the daemon answers, then closes after our half-close).
ask() { printf '%s\n' "$*" | socat -t 3 - "UNIX-CONNECT:$(sock)"; }
# The same, shown as the user would type it.
show() {
    printf '%s$ echo %s | socat - UNIX-CONNECT:%s%s\n' "$DIM" "$*" "$(sock)" "$OFF"
    ask "$@" | sed 's/^/   /'
}
# status_of METER KEY: one value of `status METER`, e.g. status_of flat1 relay.
status_of() { ask "status $1" | awk -v k="$1.$2" '$1 == k { print $2 }'; }
gpio() { cat "$DIR/gpio/$1" 2>/dev/null || echo "-"; }
show_gpio() {
    local m=$1
    note "GPIO files: relay $DIR/gpio/${RELAY[$m]} = $(gpio "${RELAY[$m]}")   LED $DIR/gpio/${LED[$m]} = $(gpio "${LED[$m]}")"
}
iota() {   # nanos → IOTA with 9 decimals, for the narration
    local n=$1 sign=""
    if ((n < 0)); then sign="-"; n=$((-n)); fi
    printf '%s%d.%09d' "$sign" $((n / NANOS_PER_IOTA)) $((n % NANOS_PER_IOTA))
}

# --- the simulated meters and the node stand-in ------------------------------------------------
# A line to meter-sim's stdin, through the script's own read-write handle on the FIFO: a write never
# blocks waiting for a reader, even if meter-sim has gone.
sim() { printf '%s\n' "$*" >&"$SIM_FD"; }
address_of() { sed -n "/^\[meter $1\]/,/^\[/s/^iota.address = //p" "$ROOT/etc/demo.conf"; }
# node_pay ADDRESS IOTA: the stand-in records a checkpointed transaction of IOTA (decimal) to ADDRESS
# from a fixed payer, as a wallet would send it; prints its digest.
node_pay() {
    python3 - "$(cat "$DIR/node.url")" "$1" "$2" <<'EOF'
import decimal, json, sys, urllib.request
url, to = sys.argv[1], sys.argv[2]
amount = int(decimal.Decimal(sys.argv[3]) * 10**9)
body = json.dumps({"cmd": "pay", "to": to, "amount": amount}).encode()
req = urllib.request.Request(url.rstrip("/") + "/_control", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=5))["digests"][0])
EOF
}

# --- starting and stopping -----------------------------------------------------------------------
# Every process started is recorded as "NAME PID" in $DIR/pids, and stopped by that id only.
started() { echo "$1 $2" >> "$DIR/pids"; }

start_all() {
    mkdir -p "$DIR/gpio" "$DIR/state"
    : > "$DIR/pids"
    [[ -x $BIN/tanglemeter && -x $BIN/meter-sim ]] || fail "no firmware in $BIN: run 'make firmware' first"

    # The meters' command line: a FIFO opened read-write, so it never reaches end-of-file.
    mkfifo "$DIR/sim.in"
    exec {SIM_FD}<>"$DIR/sim.in"
    "$BIN/meter-sim" --link "$DIR/ttyPZEM" --address 1 --address 2:sdm120 --address 3:sdm630 --power 0 --energy 1000 \
        <>"$DIR/sim.in" >"$DIR/sim.out" 2>"$DIR/sim.err" {SIM_FD}>&- &
    started meter-sim $!
    wait_for 10 "meter-sim to open its pty" grep -qs "^ready " "$DIR/sim.out"

    python3 "$ROOT/Tests/support/fake_node.py" --port 0 --chain testnet >"$DIR/node.out" 2>"$DIR/node.err" {SIM_FD}>&- &
    started fake_node $!
    wait_for 10 "the node stand-in to listen" grep -qs "^ready " "$DIR/node.out"
    awk '/^ready /{ print $3; exit }' "$DIR/node.out" > "$DIR/node.url"

    sed -e "s|@DIR@|$DIR|g" -e "s|@NODE@|$(cat "$DIR/node.url")|g" "$ROOT/etc/demo.conf" > "$DIR/demo.conf"
    "$BIN/tanglemeter" -c "$DIR/demo.conf" >"$DIR/daemon.log" 2>&1 {SIM_FD}>&- &
    started tanglemeter $!
    wait_for 10 "the daemon's control socket" socket_answers
}
socket_answers() { [[ -S $(sock) ]] && ask version 2>/dev/null | grep -qx OK; }

alive() { [[ -e /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# Stops what $DIR/pids lists, by id, checking first that each id is still the process started.
stop_all() {
    [[ -n $DIR && -f $DIR/pids ]] || return 0
    local name pid
    while read -r name pid; do
        if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$name"; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
            if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
        wait "$pid" 2>/dev/null || true
    done < "$DIR/pids"
    rm -f "$DIR/pids"
}

# --- the story -------------------------------------------------------------------------------------
# pay_and_wait METER IOTA: a payment arrives at the node; the daemon's payment poller must find it,
# journal it and credit it (`status` shows it), within the deadline.
pay_and_wait() {
    local meter=$1 amount=$2 before digest
    before=$(status_of "$meter" payments)
    digest=$(node_pay "$(address_of "$meter")" "$amount") || fail "the node stand-in refused the payment"
    note "transaction $digest: $amount IOTA to $meter's address $(address_of "$meter" | cut -c1-18)…"
    wait_for 20 "the daemon to credit the payment to $meter" payment_counted "$meter" "$before"
}
payment_counted() { local n; n=$(status_of "$1" payments); [[ -n $n && $n -gt $2 ]]; }

balance_below() { local b; b=$(status_of "$1" balance_nanos); [[ -n $b && $b -lt $2 ]]; }
relay_file_is() { [[ $(gpio "${RELAY[$1]}") == "$2" ]]; }
meters_ready() { [[ $(status_of flat1 meter) == ok && $(status_of flat2 meter) == ok && $(status_of shop meter) == ok ]]; }

# sample_led METER SECONDS: reads the LED file every 20 ms and prints each change with its time;
# sets TOGGLES to the number of changes.
sample_led() {
    local line=${LED[$1]} start=${EPOCHREALTIME/./} elapsed v first last changes=""
    first=$(gpio "$line")
    last=$first
    TOGGLES=0
    while :; do
        elapsed=$((${EPOCHREALTIME/./} - start))
        ((elapsed < $2 * 1000000)) || break
        v=$(gpio "$line")
        if [[ $v != "$last" ]]; then
            TOGGLES=$((TOGGLES + 1))
            changes+=$(printf ' %s→%s at %d.%02ds' "$last" "$v" $((elapsed / 1000000)) $((elapsed % 1000000 / 10000)))
            last=$v
        fi
        sleep 0.02
    done
    note "LED file $DIR/gpio/$line read every 20 ms for $2 s, starting at $first:"
    note "${changes:- no change, steady $first}"
}

story() {
    local t0=$SECONDS
    say "Starting: meter-sim with three meters on one bus, the IOTA node stand-in, and the daemon"
    note "meters: flat1, a PZEM-004T (Modbus address 1, relay line 17, LED 27); flat2, an Eastron SDM120"
    note "        (address 2, relay 22, LED 23); shop, an Eastron SDM630, three phase (address 3, relay 24, LED 25)"
    note "node:   $(cat "$DIR/node.url")   daemon: $BIN/tanglemeter -c $DIR/demo.conf"
    note "tariff: 20 IOTA per kWh (demo prices, so that money moves within seconds)"
    wait_for 10 "the first readings of all three meters" meters_ready
    wait_for 10 "the daemon to reach the node" eval '[[ $(ask status | awk '\''$1=="node"{print $2}'\'') == ok ]]'

    say "1. Nobody has paid yet: no credit, both relays open"
    show status flat1
    show_gpio flat1
    [[ $(status_of flat1 relay) == off && $(status_of flat1 reason) == no-credit ]] || fail "flat1 should be off for no-credit"
    relay_file_is flat1 0 || fail "flat1's relay file should read 0"

    say "1b. One bus, three models: the SDMs send float32 kWh, read exactly into whole Wh; the SDM630 per line"
    sim "power 3 6000"
    wait_for 5 "a reading of shop's 6 kW" eval '[[ $(status_of shop power_w) == 6000.0 ]]'
    note "6 kW on shop's meter (its relay is open: no credit; the simulated load does not follow it)"
    show meter shop
    sim "power 3 0"
    [[ $(ask "meter shop" | awk '$1=="shop.model"{print $2}') == sdm630 ]] || fail "shop should be an sdm630"
    [[ $(ask "meter flat2" | awk '$1=="flat2.model"{print $2}') == sdm120 ]] || fail "flat2 should be an sdm120"
    note "credit_left_s stays 'unknown' until an hour of readings gives an average power"

    say "2. A customer pays 1 IOTA to flat1's address; the daemon polls the node and credits it"
    pay_and_wait flat1 1
    show payments flat1
    wait_for 5 "flat1's relay file to read 1" relay_file_is flat1 1
    show status flat1
    show_gpio flat1
    note "credited and journaled before the relay closed; flat2 got nothing and stays open:"
    note "flat2.relay $(status_of flat2 relay), flat2.balance_nanos $(status_of flat2 balance_nanos), relay file $(gpio 22)"
    relay_file_is flat2 0 || fail "flat2's relay must stay open"
    sample_led flat1 1
    ((TOGGLES == 0)) || fail "with plenty of credit the LED should be steady"
    note "steady LED: credit is above the low-credit mark (25 Wh = 0.5 IOTA)"

    say "3. flat2 pays 2 IOTA too; both loads switch on: a 9 kW heater on flat1, 2 kW on flat2"
    pay_and_wait flat2 2
    wait_for 5 "flat2's relay file to read 1" relay_file_is flat2 1
    sim "power 1 9000"
    sim "power 2 2000"
    note "9 kW is 2.5 Wh a second: at 20 IOTA/kWh flat1's 1 IOTA lasts about 20 s"

    say "4. The load drains the credit: three seconds of 'watch' (one line per poll per meter)"
    printf '%s$ (echo watch; sleep 3; echo stop) | socat - UNIX-CONNECT:%s%s\n' "$DIM" "$(sock)" "$OFF"
    (echo watch; sleep 3; echo stop) | socat -t 3 - "UNIX-CONNECT:$(sock)" | sed 's/^/   /'
    note "flat1 balance now $(iota "$(status_of flat1 balance_nanos)") IOTA, billed $(status_of flat1 billed_wh) Wh"

    say "5. Under 25 Wh of credit left, the LED blinks slowly (1 Hz): the file toggles"
    wait_for 30 "flat1's balance to fall below 0.5 IOTA" balance_below flat1 500000000
    note "flat1 balance $(iota "$(status_of flat1 balance_nanos)") IOTA, relay still $(status_of flat1 relay)"
    sample_led flat1 3
    ((TOGGLES >= 2)) || fail "the LED should blink below the low-credit mark"

    say "6. At zero the relay opens (the heater stops), within one poll"
    wait_for 30 "flat1's relay file to read 0" relay_file_is flat1 0
    sim "power 1 0"
    wait_for 5 "the next reading of flat1 (no load now)" eval '[[ $(status_of flat1 power_w) == 0.0 ]]'
    show status flat1
    show_gpio flat1
    [[ $(status_of flat1 reason) == no-credit ]] || fail "flat1 should be off for no-credit"
    if (($(status_of flat1 balance_nanos) < 0)); then
        note "the balance is a little below zero: energy used between the last poll and the cut-off."
        note "That debt comes off the next top-up; no energy is given away."
    fi

    say "7. flat2 is independent: its relay is still closed and its credit still runs"
    show status flat2
    show_gpio flat2
    [[ $(status_of flat2 relay) == on ]] && relay_file_is flat2 1 || fail "flat2 should still be on"

    say "8. The last seconds as 'watch' sees them"
    (echo watch; sleep 2; echo stop) | socat -t 3 - "UNIX-CONNECT:$(sock)" | sed 's/^/   /'

    say "Done in $((SECONDS - t0)) s: a payment arrived, the relay closed, the load used the credit, the relay opened."
}

# --- entry points ----------------------------------------------------------------------------------
run_story() {
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/tanglemeter-demo.XXXXXX")
    trap 'stop_all; rm -rf "$DIR"' EXIT
    trap 'echo; echo "interrupted: stopping everything"; exit 130' INT TERM
    start_all
    story
}

run_shell() {
    DIR=$SHELL_DIR
    if [[ -f $DIR/pids ]]; then fail "a demo is already running in $DIR: '$0 stop' first"; fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    trap 'stop_all' INT TERM
    trap '[[ $? -eq 0 ]] || stop_all' EXIT
    start_all
    wait_for 10 "the first readings of all three meters" meters_ready
    cat <<EOF

The demo is running in $DIR (meters flat1, flat2 and shop, no credit yet). Try:

  echo status | socat - UNIX-CONNECT:$(sock)
  echo 'watch flat1' | socat -t 600 - UNIX-CONNECT:$(sock)      (Ctrl-C ends it)
  $BIN/tanglemeter -c $DIR/demo.conf query payments flat1
  $0 pay flat1 1                  a payment of 1 IOTA arrives at flat1's address
  echo 'power 1 9000' > $DIR/sim.in     flat1's load (W); also: energy 1 WH, silent 1 on|off
  cat $DIR/gpio/17 $DIR/gpio/27          flat1's relay and LED lines (flat2: 22 and 23)
  tail -f $DIR/daemon.log

Admin commands (credit, relay, reload) need root or socket.admin_group.
Stop everything with:  $0 stop
EOF
}

main() {
    case ${1:-run} in
        run) run_story ;;
        shell) run_shell ;;
        stop) DIR=$SHELL_DIR; [[ -f $DIR/pids ]] || { echo "no demo running in $DIR"; exit 0; }
              stop_all; echo "stopped the demo in $DIR" ;;
        pay) [[ $# -eq 3 ]] || fail "usage: $0 pay METER IOTA"
             DIR=$SHELL_DIR; digest=$(node_pay "$(address_of "$2")" "$3")
             echo "sent $3 IOTA to $2: transaction $digest" ;;
        *) echo "usage: $0 [run|shell|stop|pay METER IOTA]" >&2; exit 2 ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
