# tanglemeter — build, test and run everything from here. `make help` lists the targets.
#
# Two build modes from one Package.swift: normal mode for unit tests, Embedded Swift (EMBEDDED=1)
# for the firmware that ships. The embedded stdlib's folder is computed from the toolchain that
# `swift` belongs to, so the manifest holds no machine path.

SHELL        := /bin/bash
SWIFT        ?= swift
TOOLCHAIN    := $(shell dirname "$$(dirname "$$(readlink -f "$$(command -v $(SWIFT))")")")
EMBEDDED_X86 := $(TOOLCHAIN)/lib/swift/embedded/x86_64-unknown-linux-gnu
EMBEDDED_A64 := $(TOOLCHAIN)/lib/swift/embedded/aarch64-none-none-elf
VENV         := .venv
PY           := $(VENV)/bin/python
PYTEST       := $(PY) -m pytest
PRODUCTS     := tanglemeter meter-sim
# Firmware is built for size (DESIGN §4: ≤ 512 KB stripped). Each flag's share, measured on x86_64:
#  - -Osize, one section per function and --gc-sections: code nothing calls is not shipped.
#  - full LTO, linked by the toolchain's lld: the modules are optimised as one program (-5 %).
#  - Package.swift turns SIL performance inlining off for the modules off the request path (-23 %).
#  - -fno-asynchronous-unwind-tables: the C shim's inline functions asked for unwind tables, which
#    under LTO put an .eh_frame entry on every function (-70 KB); nothing here unwinds.
#  - the machine outliner and identical-code folding (--icf=safe) share repeated instruction runs
#    (the outliner -27 KB, --icf=all would fold only 1 KB more).
#  - -inline-threshold=0 for LLVM's link-time inliner: only calls whose inlining shrinks the caller
#    are inlined (-6 KB; 5, 15 or 30 come out larger than the default, --lto-O1 +90 KB).
#  - -z pack-relative-relocs (DT_RELR, glibc ≥ 2.36 = Debian 12 / Raspberry Pi OS bookworm): the
#    PIE's relocations in a compact table (-9 KB).
#  - -static-libgcc: the Int128 division helpers LTO calls come from libgcc.a, not libgcc_s.so.
FIRMWARE_FLAGS := --experimental-lto-mode full --omit-frame-pointers \
                  -Xswiftc -Osize -Xswiftc -Xfrontend -Xswiftc -function-sections \
                  -Xswiftc -Xcc -Xswiftc -fno-asynchronous-unwind-tables -Xswiftc -use-ld=lld \
                  -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
                  -Xlinker --gc-sections -Xlinker --icf=safe -Xlinker -mllvm=-enable-machine-outliner \
                  -Xlinker -z -Xlinker pack-relative-relocs -Xlinker -mllvm=-inline-threshold=0
# Inputs per fuzz target in `make fuzz` (and `make check`), and a cap in seconds per target so the
# fuzz stage stays near two minutes on a busy machine; `make soak` runs 1,000,000 each, uncapped.
FUZZ_RUNS    ?= 100000
FUZZ_SECONDS ?= 8
# A hung end-to-end test fails after this many seconds (pytest-timeout) instead of hanging CI.
E2E_TIMEOUT  ?= 300
# The stages of `make check`, in order; Tests/check.sh runs each as `make <stage>`, times it, and
# ends with one "N passed, M failed, K skipped" line. `a+b`: stages a and b at the same time (see there).
CHECK_STAGES ?= builds test fuzz+check-gpio e2e e2e-aarch64 check-trixie e2e-trixie

APT_PACKAGES := libgpiod-dev libcurl4-openssl-dev socat pkg-config gpiod mbpoll file busybox-static \
                gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binutils-aarch64-linux-gnu \
                python3-venv util-linux openssl ca-certificates prometheus prometheus-node-exporter \
                qemu-system-arm cpio gcc libfaketime
APT_ARM64    := libcurl4-openssl-dev:arm64
# Debian starts and enables these packages' services on install (on 9090 and 9100); the tests run
# their own on free loopback ports. So when `make deps` installed one, it stops and disables what
# the package started; a machine where they were installed before is left as it was.
APT_NO_SERVICE := prometheus prometheus-node-exporter

.PHONY: help deps venv build build-tests builds test firmware firmware-aarch64 e2e e2e-aarch64 fuzz check \
        check-gpio gpiod-abi check-trixie e2e-trixie demo demo-shell bench soak abuse install clean

help:
	@echo "make demo              run the whole story on simulated hardware"
	@echo "make check             install what is missing, build, run every test"
	@echo "make firmware          Embedded Swift binaries for this machine in build/"
	@echo "make firmware-aarch64  the same for a Raspberry Pi in build/aarch64/"
	@echo "make test              unit tests (normal mode)"
	@echo "make e2e               end-to-end tests on the firmware binaries"
	@echo "make fuzz              bounded libFuzzer runs"
	@echo "make bench             the budgets of DESIGN §4, measured"
	@echo "make install           DESTDIR=… ARCH=aarch64 …"

# --- dependencies --------------------------------------------------------------------------
# Installs only what is missing, so a machine that has everything never touches apt. A package
# counts as installed when dpkg has it for this machine's architecture or "all" (`dpkg -s NAME` is
# ambiguous once the arm64 twin is installed too), or for arm64 when the name says ":arm64".
have_pkg = dpkg-query -W -f='$${Architecture} $${db:Status-Abbrev}\n' "$$p" 2>/dev/null | \
           grep -Eq "^($$(case $$p in *:*) echo $${p\#*:};; *) echo "$$(dpkg --print-architecture)|all";; esac)) ii"
deps:
	@missing=""; for p in $(APT_PACKAGES); do $(have_pkg) || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  for s in $(APT_NO_SERVICE); do case " $$missing " in *" $$s "*) \
	    if [ -d /run/systemd/system ]; then systemctl disable --now -q $$s; \
	    else invoke-rc.d $$s stop; update-rc.d $$s disable; fi >/dev/null 2>&1 || true;; esac; done; \
	fi; \
	missing=""; for p in $(APT_ARM64); do $(have_pkg) || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  dpkg --add-architecture arm64 && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Python helpers for tests: pytest, and two independent Modbus masters to cross-check meter-sim.
venv: $(VENV)/.ok
$(VENV)/.ok: Tests/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r Tests/requirements.txt
	touch $@

# --- builds ---------------------------------------------------------------------------------
build:
	$(SWIFT) build

test:
	$(SWIFT) test

build-tests:
	$(SWIFT) build --build-tests

# The three builds at once: each spends minutes in one whole-module compile that uses one core,
# so together they take little more than the slowest. Output is grouped per build.
builds:
	@$(MAKE) --no-print-directory -j3 --output-sync=target firmware firmware-aarch64 build-tests

# The libgpiod prototypes Sources/CGPIOD declares for itself (the firmware dlopen()s libgpiod and
# links none), checked against each library's real header before any firmware is built: 1.6's from
# libgpiod-dev (installed), 2.x's from bookworm-backports' libgpiod-dev, fetched through a second
# apt state (Tests/vm/debs.sh) into the download cache and unpacked into build/, never installed.
VM_CACHE     ?= $(or $(TANGLEMETER_VM_CACHE),/var/cache/tanglemeter-gpio-vm)
BACKPORTS    := $(VM_CACHE)/debs/bookworm-backports-amd64
GPIOD_ABI_C  := Sources/CGPIOD/check/gpiod-abi.c
gpiod-abi: build/gpiod-abi.ok
build/gpiod-v2/usr/include/gpiod.h:
	@rm -rf build/gpiod-v2 && mkdir -p build/gpiod-v2
	@dpkg-deb -x "$$(bash Tests/vm/debs.sh bookworm-backports amd64 $(BACKPORTS) libgpiod-dev)" build/gpiod-v2
	@touch $@
build/gpiod-abi.ok: $(GPIOD_ABI_C) $(wildcard Sources/CGPIOD/*.h) build/gpiod-v2/usr/include/gpiod.h
	@cc -fsyntax-only -std=gnu11 -Wall -Werror -DTM_GPIOD_V=1 $(GPIOD_ABI_C)
	@cc -fsyntax-only -std=gnu11 -Wall -Werror -DTM_GPIOD_V=2 -Ibuild/gpiod-v2/usr/include $(GPIOD_ABI_C)
	@echo "libgpiod prototypes match libgpiod-dev 1.6 and $$(sed -n 's/^Version: //p' build/gpiod-v2/usr/lib/*/pkgconfig/libgpiod.pc)"
	@touch $@

firmware: build/gpiod-abi.ok
	@mkdir -p build
	@for p in $(PRODUCTS); do \
	  EMBEDDED=1 $(SWIFT) build -c release --product $$p --scratch-path .build-embedded \
	    -Xlinker -L$(EMBEDDED_X86) $(FIRMWARE_FLAGS) || exit 1; \
	  strip -o build/$$p .build-embedded/release/$$p || exit 1; \
	done
	@for p in $(PRODUCTS); do printf '%-28s %7d bytes (stripped)\n' build/$$p $$(stat -c %s build/$$p); done

build/aarch64-toolset.json: Makefile
	@mkdir -p build
	@printf '%s\n' '{ "schemaVersion": "1.0",' \
	 '  "swiftCompiler": { "extraCLIOptions": [' \
	 '    "-Xcc", "-D__linux__", "-Xcc", "-D__unix__", "-Xcc", "-D__gnu_linux__",' \
	 '    "-Xcc", "-isystem", "-Xcc", "/usr/aarch64-linux-gnu/include",' \
	 '    "-Xcc", "-isystem", "-Xcc", "/usr/include/aarch64-linux-gnu",' \
	 '    "-Xcc", "-idirafter", "-Xcc", "/usr/include",' \
	 '    "-Xclang-linker", "--target=aarch64-linux-gnu", "-Xclang-linker", "--gcc-toolchain=/usr",' \
	 '    "-Xclang-linker", "-Wno-override-module",' \
	 '    "-Xclang-linker", "-fuse-ld=lld", "-Xclang-linker", "-L/usr/lib/aarch64-linux-gnu",' \
	 '    "-Xclang-linker", "-L$(EMBEDDED_A64)" ] },' \
	 '  "cCompiler": { "extraCLIOptions": [ "-D__linux__",' \
	 '    "-isystem", "/usr/aarch64-linux-gnu/include", "-isystem", "/usr/include/aarch64-linux-gnu" ] } }' > $@

# The Pi build: the Embedded stdlib for aarch64-none-none-elf, linked through clang with the cross gcc's
# start files and the toolchain's lld (LTO needs it) against arm64 glibc, libcurl and libgpiod
# (see README, "Building for the Pi").
firmware-aarch64: build/aarch64-toolset.json build/gpiod-abi.ok
	@mkdir -p build/aarch64
	@for p in $(PRODUCTS); do \
	  PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig EMBEDDED=1 $(SWIFT) build -c release \
	    --product $$p --scratch-path .build-aarch64 --triple aarch64-none-none-elf \
	    --toolset build/aarch64-toolset.json $(FIRMWARE_FLAGS) || exit 1; \
	  aarch64-linux-gnu-strip -o build/aarch64/$$p .build-aarch64/aarch64-none-none-elf/release/$$p || exit 1; \
	done
	@for p in $(PRODUCTS); do printf '%-28s %7d bytes (stripped)\n' build/aarch64/$$p $$(stat -c %s build/aarch64/$$p); done

# --- tests ----------------------------------------------------------------------------------
# End-to-end tests run the firmware binaries; the aarch64 pass runs the same tests under qemu.
# -p no:cacheprovider: no .pytest_cache in the work tree.
# Tests/e2e.sh runs them E2E_JOBS side by side (pytest-xdist), then the `serial` ones (latency and
# elapsed-time assertions) alone.
E2E_JOBS   ?= 3
E2E_PYTEST = PY=$(PY) E2E_JOBS=$(E2E_JOBS) bash Tests/e2e.sh
E2E_ARGS   = -q -p no:cacheprovider --timeout=$(E2E_TIMEOUT)
# The x86_64 pass also checks the node stand-in itself against IOTA's recorded replies (once: it
# is the same Python on both passes).
e2e: venv firmware
	$(E2E_PYTEST) $(E2E_ARGS) Tests/EndToEnd Tests/support/test_fake_node.py

# The same tests on the Pi build under qemu-user; tests that cannot run there are marked x86_only.
# E2E_AARCH64_ONLY: test files instead of the whole suite. `make check` runs the whole aarch64 suite
# once, in e2e-trixie (trixie's libraries, what a Pi gets today), and here only the core files on the
# build machine's bookworm arm64 libraries (libgpiod 1.6's own path is proven in check-gpio's VM):
# twice the whole suite under qemu would take about 20 of make check's minutes.
E2E_AARCH64_ONLY ?=
E2E_AARCH64_CORE := Tests/EndToEnd/test_daemon.py Tests/EndToEnd/test_daemon_state.py \
                    Tests/EndToEnd/test_gpiod_start.py Tests/EndToEnd/test_meter_sim.py
e2e-aarch64: venv firmware-aarch64
	TM_BIN_DIR=build/aarch64 TM_RUNNER="qemu-aarch64-static -L /" \
	  $(E2E_PYTEST) -m "not x86_only" $(E2E_ARGS) $(or $(E2E_AARCH64_ONLY),Tests/EndToEnd)

fuzz:
	@FUZZ_MAX_SECONDS=$(FUZZ_SECONDS) bash Tests/Fuzz/run.sh $(FUZZ_RUNS)

# Every stage runs even if an earlier one failed; see Tests/check.sh for the summary line.
check: deps venv
	@E2E_AARCH64_ONLY="$(E2E_AARCH64_CORE)" bash Tests/check.sh $(CHECK_STAGES)

# The abuse tests of issue 7 (Tests/EndToEnd/test_abuse_*.py) run at bounded sizes in `make e2e`;
# `make abuse` runs just them. `make soak` runs them long (500 kills, 10,000 meter transactions),
# the fuzzers for a million inputs each, and the unit tests under AddressSanitizer; the figures
# each abuse test measured are collected in build/soak-figures.txt.
abuse: venv firmware
	$(PYTEST) -q -s Tests/EndToEnd -k abuse

soak: venv firmware
	$(MAKE) fuzz FUZZ_RUNS=1000000 FUZZ_SECONDS=0
	@mkdir -p build && rm -f build/soak-figures.txt
	TM_ABUSE_SCALE=soak TM_ABUSE_REPORT=$(CURDIR)/build/soak-figures.txt $(PYTEST) -q -s Tests/EndToEnd -k abuse
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/asan/lsan.supp $(SWIFT) test --sanitize=address --scratch-path .build-asan
	@cat build/soak-figures.txt

# The gpiod backend and the watchdog on real kernels: Debian 12's kernel in QEMU with gpio-sim chips
# and an i6300ESB watchdog (Tests/vm/gpio-vm.sh; downloads cached in /var/cache/tanglemeter-gpio-vm),
# booted three times by Tests/vm/check.sh: with libgpiod 1.6 only, with libgpiod 2.x only, without.
check-gpio: firmware
	@bash Tests/vm/check.sh

# Raspberry Pi OS trixie (Debian 13 arm64), the Imager's default since 2025-10: a sysroot of trixie's
# arm64 runtime packages and its arm64 kernel, built with a second apt state and cached in
# /var/cache/tanglemeter-trixie (Tests/trixie/sysroot.sh; ~110 MB of downloads, once).
# check-trixie boots it under qemu-system-aarch64 with BusyBox as init, which starts the aarch64
# firmware by etc/init.d/tanglemeter on the virt board's PL061 GPIO chip (Tests/trixie/vm.sh).
# e2e-trixie runs the e2e-aarch64 suite again with the binaries in a chroot of that sysroot
# (E2E_TRIXIE_ARGS: pytest arguments instead of the whole suite, e.g. "-k relay").
check-trixie: firmware-aarch64
	bash Tests/trixie/vm.sh

e2e-trixie: venv firmware-aarch64
	PY=$(CURDIR)/$(PY) E2E_TIMEOUT=$(E2E_TIMEOUT) E2E_JOBS=$(E2E_JOBS) bash Tests/trixie/e2e-chroot.sh $(E2E_TRIXIE_ARGS)

# The story on simulated hardware (Tests/demo/demo.sh, etc/demo.conf): two meters on a meter-sim bus,
# the IOTA node stand-in on loopback, the daemon with sim GPIO. Stops everything it started.
demo: deps venv
	@$(MAKE) --no-print-directory firmware
	@bash Tests/demo/demo.sh run

# The same set-up left running for queries by hand; `bash Tests/demo/demo.sh stop` ends it.
demo-shell: deps venv
	@$(MAKE) --no-print-directory firmware
	@bash Tests/demo/demo.sh shell

# Every budget of DESIGN §4 on the firmware binaries; the table also goes to BENCHMARKS.md.
bench: deps venv
	@$(MAKE) --no-print-directory firmware firmware-aarch64
	@$(PY) Tests/bench/bench.py

# make install [DESTDIR=…] [ARCH=aarch64]: the binary, the init script, the systemd unit, and the
# sample configuration unless one is already there (an operator's config is never overwritten);
# for Prometheus (README, "Many sockets") the textfile writer with its systemd service and timer
# (not enabled), and in /usr/share/tanglemeter the rules with their unit tests and a cron.d example.
ARCH    ?= $(shell uname -m)
BINDIR   = $(if $(filter aarch64 arm64,$(ARCH)),build/aarch64,build)
install:
	@[ -x $(BINDIR)/tanglemeter ] || $(MAKE) $(if $(filter aarch64 arm64,$(ARCH)),firmware-aarch64,firmware)
	install -D -m 0755 $(BINDIR)/tanglemeter $(DESTDIR)/usr/sbin/tanglemeter
	install -D -m 0755 etc/init.d/tanglemeter $(DESTDIR)/etc/init.d/tanglemeter
	install -D -m 0644 etc/systemd/tanglemeter.service $(DESTDIR)/lib/systemd/system/tanglemeter.service
	install -D -m 0755 etc/tanglemeter-textfile $(DESTDIR)/usr/sbin/tanglemeter-textfile
	install -D -m 0644 -t $(DESTDIR)/lib/systemd/system etc/systemd/tanglemeter-textfile.service \
	  etc/systemd/tanglemeter-textfile.timer
	install -D -m 0644 -t $(DESTDIR)/usr/share/tanglemeter/prometheus etc/prometheus/tanglemeter.rules.yml \
	  etc/prometheus/tanglemeter.rules.test.yml
	install -D -m 0644 etc/cron.d/tanglemeter-textfile $(DESTDIR)/usr/share/tanglemeter/cron.d/tanglemeter-textfile
	@if [ -e $(DESTDIR)/etc/tanglemeter.conf ]; then \
	  echo "keeping existing $(DESTDIR)/etc/tanglemeter.conf"; \
	else install -D -m 0640 etc/tanglemeter.conf $(DESTDIR)/etc/tanglemeter.conf; fi
	install -d -m 0700 $(DESTDIR)/var/lib/tanglemeter

clean:
	rm -rf .build .build-embedded .build-aarch64 .build-fuzz build
