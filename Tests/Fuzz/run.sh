#!/usr/bin/env bash
# Builds and runs every libFuzzer target in Tests/Fuzz/targets for RUNS inputs each; fails on a crash.
#
#   bash Tests/Fuzz/run.sh [RUNS]        (default 100000; `make fuzz` passes FUZZ_RUNS)
#
# A target is Tests/Fuzz/targets/<Name>.swift which imports the package modules it fuzzes and defines
#   @_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32
# The modules it needs come from the package itself: its `import` lines, closed over each target's
# dependencies as `swift package describe` reports them from Package.swift, in build order (a
# module before the modules that import it). So the graph is declared once, in the manifest.
#
# Each needed module is compiled once, as its own Swift module (-module-name, -emit-module,
# whole-module, coverage-instrumented), so `import ModbusRTU` in the sources and in the target
# works exactly as under SwiftPM, and @testable import works too (-enable-testing). The C module
# maps in Sources/C*/ (CSystem, CCurl, CGPIOD) are on the include path for modules that import
# them. Everything goes to .build-fuzz/: modules, binaries, corpora (kept between runs, so a soak
# builds on earlier runs), and crash artifacts.
#
# Environment: SANITIZERS (default "fuzzer,address"), FUZZ_TARGETS (names to run, default all),
# FUZZ_MAX_LEN (default 1024 bytes per input), FUZZ_MAX_SECONDS (stop a target after this many
# seconds even if RUNS are not done, so a slow, busy machine keeps `make check` short; default 0 =
# no cap; the log then says how many runs were done).
set -euo pipefail

RUNS="${1:-100000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.build-fuzz"
SANITIZERS="${SANITIZERS:-fuzzer,address}"
MAX_LEN="${FUZZ_MAX_LEN:-1024}"
MAX_SECONDS="${FUZZ_MAX_SECONDS:-0}"
SWIFTC="${SWIFTC:-swiftc}"
SWIFT="${SWIFT:-swift}"
# Objects depend on the sanitizers, so each set gets its own folder; corpora are shared.
BUILT="$OUT/${SANITIZERS//,/-}"
mkdir -p "$BUILT/modules" "$BUILT/bin" "$OUT/corpus" "$OUT/artifacts"

include_flags=(-I "$BUILT/modules")
for map in "$ROOT"/Sources/C*/module.modulemap; do
    include_flags+=(-I "$(dirname "$map")")
done
common_flags=(-parse-as-library -O -sanitize="$SANITIZERS" -enable-testing "${include_flags[@]}")

# The package's module graph, as SwiftPM reads Package.swift (its own scratch folder, so a build
# running in .build does not hold this up on its lock).
GRAPH="$OUT/package.json"
"$SWIFT" package --package-path "$ROOT" --scratch-path "$OUT/manifest" describe --type json > "$GRAPH"

# The Sources/ Swift modules the target file $1 needs, in build order: what it imports, and what
# those depend on. C module maps and the toolchain's modules (Testing, Foundation) are not built.
modules_for() {
    python3 - "$GRAPH" "$1" <<'PY'
import json, re, sys
targets = {t["name"]: t for t in json.load(open(sys.argv[1]))["targets"]
           if t.get("module_type") == "SwiftTarget" and t["path"].startswith("Sources/")}
imports = re.findall(r"^\s*(?:@testable\s+)?import\s+(\w+)", open(sys.argv[2]).read(), re.M)
order = []
def visit(name):
    if name in order or name not in targets: return
    for dependency in targets[name].get("target_dependencies", []): visit(dependency)
    order.append(name)
for name in imports: visit(name)
print(" ".join(order))
PY
}

# Compiles Sources/$1 into .build-fuzz/modules/$1.{swiftmodule,o} unless that is newer than every
# source file, than this script (whose flags it depends on) and than the objects $2… of the
# modules built before it (its dependencies among them: a changed interface needs a recompile).
build_module() {
    local module="$1" dir="$ROOT/Sources/$1"
    shift
    local object="$BUILT/modules/$module.o"
    if [[ -f "$object" && -z "$(find "$dir" "$0" "$@" -newer "$object" -print -quit)" ]]; then return 0; fi
    local sources=("$dir"/*.swift)
    echo "fuzz: compiling module $module"
    "$SWIFTC" "${common_flags[@]}" -wmo -module-name "$module" \
        -emit-module -emit-module-path "$BUILT/modules/$module.swiftmodule" \
        -emit-object -o "$object" "${sources[@]}" || return 1   # (set -e is off inside `f || …`)
    touch "$object"   # swiftc leaves an identical output untouched, which would look stale
}

# Runs per second from "Done N runs in …" and the wall time we measured ($2 ns).
runs_per_second() {
    sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$1" | awk -v ns="$2" '{ printf "%d", $1 * 1e9 / (ns > 0 ? ns : 1) }'
}

# gold warns about every local ASan helper symbol; the warnings mean nothing for a test binary.
quiet_link() { grep -v "Cannot export local symbol" || true; }

status=0
found=0
for target in "$ROOT"/Tests/Fuzz/targets/*.swift; do
    [[ -e "$target" ]] || continue
    name="$(basename "$target" .swift)"
    if [[ -n "${FUZZ_TARGETS:-}" && " $FUZZ_TARGETS " != *" $name "* ]]; then continue; fi
    found=$((found + 1))
    read -r -a modules <<< "$(modules_for "$target")"
    if [[ "${#modules[@]}" -eq 0 ]]; then
        echo "fuzz: $target imports no module of the package" >&2; status=1; continue
    fi
    objects=()
    for module in "${modules[@]}"; do
        build_module "$module" "${objects[@]}" || { status=1; continue 2; }
        objects+=("$BUILT/modules/$module.o")
    done
    echo "fuzz: building $name (modules: ${modules[*]})"
    "$SWIFTC" "${common_flags[@]}" -module-name "${name}Target" "$target" "${objects[@]}" \
        -o "$BUILT/bin/$name" 2>&1 | quiet_link
    [[ "${PIPESTATUS[0]}" -eq 0 ]] || { echo "fuzz: $name does not build" >&2; status=1; continue; }
    mkdir -p "$OUT/corpus/$name"
    log="$OUT/$name.log"
    echo "fuzz: running $name for $RUNS inputs"
    started=$(date +%s%N)
    if "$BUILT/bin/$name" -runs="$RUNS" -max_total_time="$MAX_SECONDS" -max_len="$MAX_LEN" -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts/$name-" "$OUT/corpus/$name" > "$log" 2>&1; then
        elapsed=$(( $(date +%s%N) - started ))
        done_runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log")
        echo "fuzz: $name ok: ${done_runs:-?} runs, $(runs_per_second "$log" "$elapsed") runs/s, corpus $(ls "$OUT/corpus/$name" | wc -l) inputs"
    else
        echo "fuzz: $name FAILED (log: $log, artifacts: $OUT/artifacts/$name-*)" >&2
        tail -n 40 "$log" >&2
        status=1
    fi
done
if [[ "$found" -eq 0 ]]; then echo "fuzz: no targets in Tests/Fuzz/targets" >&2; exit 1; fi
exit "$status"
