# SPDX-License-Identifier: GPL-2.0
#
# waitq-lab: kernel modules that teach how the kernel puts tasks to sleep.
#
#   make                 modules for the running kernel (KDIR) and the programs
#   make check           build, boot the VM kernel and run the tests
#   make help            every target

# DKMS runs `make KERNELRELEASE=<release> ...`: build for that kernel.
ifneq ($(KERNELRELEASE),)
KDIR    ?= /lib/modules/$(KERNELRELEASE)/build
endif
KDIR    ?= /lib/modules/$(shell uname -r)/build
# The VM's kernels: vm/kernels is their table.
ALL_KERNELS := $(shell vm/kernels names)
KVER    ?= $(shell vm/kernels default)
KERNELS ?= $(KVER)
# make trace: the scenarios of guest/trace/scenarios.sh, and where their
# traces and timelines go.
SCENARIOS := sleep-one sleep-herd sleepy completions io_wait_event
SCENARIO  ?= $(SCENARIOS)

# Each kernel gets its own build folder, so objects never mix; modules
# built with gcov's counters (WAITQ_GCOV=y) one more.
KREL  := $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
BUILD := build/$(KREL)$(if $(WAITQ_GCOV),-gcov)
# The modules: Kbuild's obj-m lines, the one list of them.
MODS  := $(patsubst %.o,%,$(shell sed -n 's/^obj-m += //p' Kbuild))

# The programs run in a busybox guest too, so they are linked statically:
# the user-space example, the tests' helpers and make bench's program.
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -static
HELPERS := $(basename $(wildcard guest/helpers/*.c))
PROGS   := cat_nonblock $(HELPERS) guest/bench/bench

.PHONY: all modules programs clean check check-all demo shell bench lint \
	install uninstall help mutants list-modules

all: modules programs

modules:
	@test -n "$(KREL)" || { echo "No kernel headers at $(KDIR): install linux-headers-$$(uname -r), pass KDIR=, or use 'make check' / 'make demo' (they build for the VM kernel)." >&2; exit 1; }
	@mkdir -p $(BUILD)
	@find $(BUILD) -maxdepth 1 \( -type l -o -name '*.ko' \) -delete
	@ln -sf $(CURDIR)/Kbuild $(addprefix $(CURDIR)/,$(addsuffix .c,$(MODS))) $(BUILD)/
	@ln -sf $(addprefix $(CURDIR)/,$(wildcard $(addsuffix _trace.h,$(MODS)))) $(BUILD)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD) modules
	@if [ "$(KDIR)" = "/lib/modules/$$(uname -r)/build" ]; then \
		for m in $(MODS); do ln -sf $(BUILD)/$$m.ko $$m.ko; done; fi

# For scripts that need the module list: make -s list-modules.
list-modules:
	@printf '%s\n' $(MODS)

programs: $(PROGS)

cat_nonblock: %: %.c
	$(CC) $(USER_CFLAGS) -o $@ $<

guest/bench/bench: %: %.c guest/helpers/helpers.h
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

$(HELPERS): %: %.c guest/helpers/helpers.h
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

check:
	T='$(T)' host/check $(KERNELS)

check-all:
	host/check $(ALL_KERNELS)

demo:
	vm/vm -k $(KVER) -t 300 -- guest/demo.sh

shell:
	vm/vm -k $(KVER) -i

# The traces come back from the guest (vm/vm -o); the timelines are drawn
# on the host.
trace: OUT ?= build/trace
.PHONY: trace
trace:
	vm/vm -k $(KVER) -t 300 -o $(OUT) -- guest/trace/scenarios.sh $(SCENARIO)
	host/trace/timeline.py -o $(OUT) $(addprefix $(OUT)/,$(addsuffix .txt,$(SCENARIO)))

# One boot (TSC as the clock: see guest/bench/measure.sh), then tables and
# plots in OUT (default build/bench; OUT=docs/bench refreshes the docs).
bench: OUT ?= build/bench
bench:
	@host/deps bench
	@mkdir -p build/bench
	APPEND=tsc=reliable vm/vm -k $(KVER) -t 600 -- guest/bench/measure.sh \
		>build/bench/raw.txt
	host/bench/report build/bench/raw.txt $(OUT)

# A bounded hostile run (guest/tests/stress.sh): SEED (default: random,
# printed first) repeats a run's choices; DURATION is its length in seconds.
.PHONY: stress
DURATION ?= 120
stress:
	@seed=$(SEED); seed=$${seed:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "stress: seed $$seed, $(DURATION) s (repeat: make stress SEED=$$seed DURATION=$(DURATION))"; \
	vm/vm -k $(KVER) -- SEED=$$seed \
		DURATION=$(DURATION) TEST_TIMEOUT=$$(($(DURATION) + 300)) \
		guest/run.sh stress

lint:
	host/lint

# The ordering claims of the modules' comments, checked by herd7 against the
# kernel's memory model (docs/memory-ordering.md).
.PHONY: litmus
litmus:
	@host/deps litmus
	host/litmus/run

# Lines and branches the tests run: the suite on the debug kernel (its
# modules built with gcov's counters), then build/coverage/html/.
.PHONY: coverage
coverage:
	host/coverage

mutants:
	host/mutants/run -k $(KVER)

# Secure Boot: a key pair once (make mok, then enrol it), then make sign;
# KEY= and CERT= name another pair. make install signs when a key is
# configured.
.PHONY: mok sign
mok:
	host/mok

sign: modules
	host/sign $(KDIR) $(KEY) $(CERT)

# Debian's 6.1 headers report a wrong kernelrelease: name the real one.
install: modules
	host/sign -i $(KDIR) $(KEY) $(CERT)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD) KERNELRELEASE=$(KREL) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

uninstall:
	rm -f $(foreach m,$(MODS),$(INSTALL_MOD_PATH)/lib/modules/$(KREL)/updates/$(m).ko*)
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

clean:
	rm -rf build $(PROGS) $(addsuffix .ko,$(MODS))

help:
	@echo 'Targets:'
	@echo '  make [KDIR=...]       build the modules for KDIR (default: running kernel) and the programs'
	@echo '  make check            build, boot the VM kernel (KVER=$(KVER)) and run guest/run.sh'
	@echo '  make check KERNELS="6.1 debug"   the same on each kernel named'
	@echo "  make check T='sleep:rmmod_*'   only the tests that match (guest/run.sh -l lists them)"
	@echo '  make check-all        the whole suite on every kernel: $(ALL_KERNELS)'
	@echo '  make stress [SEED=] [DURATION=120]   hostile processes, stress-ng and module reloads'
	@echo '  make demo             replay the examples in the VM and show their output'
	@echo '  make shell            an interactive root shell in the VM with the modules'
	@echo '  make trace [SCENARIO=NAME] [OUT=DIR]   trace the examples in the VM: DIR/NAME.txt'
	@echo '                        (ftrace text), NAME.svg (timeline) and a summary; OUT=docs/trace'
	@echo '                        redraws the pictures of the docs'
	@echo '  make bench [OUT=DIR]  sleepy and /proc/sleep against the kernel'"'"'s primitives: DIR/results.md,'
	@echo '                        bench.md, plots (default build/bench; OUT=docs/bench refreshes the docs)'
	@echo '  make mutants          each original bug put back: its tests must fail (host/mutants/)'
	@echo '  make litmus           each ordering claim of the comments, checked by herd7 (host/litmus/)'
	@echo '  make coverage         the lines and branches the tests run, on the debug kernel:'
	@echo '                        build/coverage/html/index.html and a summary'
	@echo '  make lint             checkpatch, sparse, W=1, -fanalyzer, cppcheck, clang-format,'
	@echo '                        shellcheck, pyflakes, pycodestyle'
	@echo '  make install          modules_install into /lib/modules/<release>/updates and depmod'
	@echo '                        (KDIR=, INSTALL_MOD_PATH= honoured); make uninstall undoes it;'
	@echo '                        it signs them when a key is configured (make mok, or KEY= CERT=)'
	@echo '  make mok              a key pair to sign the modules with, to enrol as a MOK (Secure Boot)'
	@echo '  make sign [KEY= CERT=]  sign the modules built for KDIR with scripts/sign-file'
	@echo '  make clean            remove build output'
	@echo 'Variables: KDIR (headers to build against), KVER (VM kernel: $(ALL_KERNELS)),'
	@echo '           KERNELS (kernels for make check), T (tests to run)'
	@echo '           VM: ACCEL (kvm|tcg), SMP, MEM, APPEND (see vm/vm)'
