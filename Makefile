# faultline: build, test and benchmark.
#
#   make demo      install Debian deps, build, run the built-in demo (root)
#   make test      install Debian deps, build, run every test (root)
#   make           build ./faultline
#   make bench     overhead of faultline check on fault-heavy workloads
#   make test-guests  the guest-kernel tests under QEMU (Debian 6.1 and 6.12; root)
#   make vmlinux   regenerate vmlinux/vmlinux_$(ARCH).h from the running kernel

ARCH		?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_ARCH	?= $(shell uname -m)
PREFIX		?= /usr/local
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= bpftool
LLVM_STRIP	?= llvm-strip
OUT		:= build

CFLAGS		?= -O2 -g
CFLAGS		+= -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(OUT) -Isrc
LDLIBS		+= -lbpf -lelf -lz -ljson-c -lpthread
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
		   -Ivmlinux -Iinclude -Ibpf

# One object per concern; the hooks that have a function form are built a
# second time for kprobes (-DFL_KPROBE: probe reads instead of BTF loads).
BPF_OBJS	:= faults pagecache inval iomap locks
BPF_KP_OBJS	:= faults pagecache iomap
SKELS		:= $(patsubst %,$(OUT)/%.skel.h,$(BPF_OBJS)) \
		   $(patsubst %,$(OUT)/%_kp.skel.h,$(BPF_KP_OBJS))

# The engine and everything it needs, without BPF: shared by the binary
# and the unit tests.
CORE_SRCS	:= src/engine.c src/rules.c src/ksyms.c src/util.c src/report_text.c \
		   src/report_json.c src/xfs_holds.c
APP_SRCS	:= src/main.c src/check.c src/probe.c src/demo.c src/loader.c \
		   src/tracefs.c src/scratch.c src/workload.c src/pathres.c \
		   src/live.c src/kernel.c
# trace-cmd import (libtracecmd): its own objects, so the BPF binary and
# the unit tests do not link libtracecmd until `report` uses it.
TRACEDAT_SRCS	:= src/import_tracedat.c
TRACEDAT_PKGS	:= libtracecmd libtraceevent libtracefs
TRACEDAT_CFLAGS	= $(shell pkg-config --cflags $(TRACEDAT_PKGS))
TRACEDAT_LIBS	= $(shell pkg-config --libs $(TRACEDAT_PKGS))
TRACEDAT_TOOLS	:= $(OUT)/tests/tracedat_report $(OUT)/tests/tracedat_report-asan \
		   $(OUT)/tests/workload_run
FUZZ_CC		?= clang-14
CORE_OBJS	:= $(patsubst src/%.c,$(OUT)/%.o,$(CORE_SRCS))
APP_OBJS	:= $(patsubst src/%.c,$(OUT)/%.o,$(APP_SRCS))

UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))

DEB_BUILD	:= clang llvm gcc make libbpf-dev bpftool libelf-dev zlib1g-dev \
		   libjson-c-dev pkg-config libtracecmd-dev libtraceevent-dev libtracefs-dev
DEB_RUN		:= xfsprogs e2fsprogs util-linux mount
DEB_TEST	:= libcmocka-dev jq trace-cmd clang-14 libclang-rt-14-dev

# BPF objects are intermediates of the skeletons; keep them for llvm-objdump and bpftool
.SECONDARY: $(patsubst %,$(OUT)/%.bpf.o,$(BPF_OBJS)) $(patsubst %,$(OUT)/%_kp.bpf.o,$(BPF_KP_OBJS))

.PHONY: all clean install deps deps-test demo test test-unit test-live bench vmlinux static \
	tracedat-tools

all: faultline

$(OUT) $(OUT)/tests:
	mkdir -p $@

vmlinux/vmlinux.h:
	ln -sf vmlinux_$(VMLINUX_ARCH).h $@

$(OUT)/%.bpf.o: bpf/%.bpf.c bpf/fl_common.bpf.h include/faultline/events.h vmlinux/vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(OUT)/%_kp.bpf.o: bpf/%.bpf.c bpf/fl_common.bpf.h include/faultline/events.h vmlinux/vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -DFL_KPROBE -c $< -o $@
	$(LLVM_STRIP) -g $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name fl_$* > $@

$(OUT)/%.o: src/%.c $(wildcard src/*.h) include/faultline/events.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/loader.o: $(SKELS)

$(OUT)/import_tracedat.o: CFLAGS += $(TRACEDAT_CFLAGS)

# The trace-cmd importer's test driver (tests/tools), a sanitizer build of
# it for the bad-file tests, the demo workload without BPF, and a libFuzzer
# target (tests/fuzz).
TRACEDAT_DEPS	:= $(CORE_SRCS) $(TRACEDAT_SRCS) $(wildcard src/*.h) include/faultline/events.h
$(OUT)/tests/tracedat_report: tests/tools/tracedat_report.c $(CORE_OBJS) $(OUT)/import_tracedat.o | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(CORE_OBJS) $(OUT)/import_tracedat.o -o $@ $(LDLIBS) $(TRACEDAT_LIBS)

$(OUT)/tests/tracedat_report-asan: tests/tools/tracedat_report.c $(TRACEDAT_DEPS) | $(OUT)/tests
	$(CC) $(CFLAGS) $(TRACEDAT_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		$< $(CORE_SRCS) $(TRACEDAT_SRCS) -o $@ $(LDLIBS) $(TRACEDAT_LIBS)

$(OUT)/tests/workload_run: tests/tools/workload_run.c $(OUT)/workload.o $(OUT)/util.o | $(OUT)/tests
	$(CC) $(CFLAGS) $^ -o $@ -lpthread

$(OUT)/tests/fuzz_tracedat: tests/fuzz/fuzz_tracedat.c $(TRACEDAT_DEPS) | $(OUT)/tests
	$(FUZZ_CC) $(CFLAGS) $(TRACEDAT_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
		$< $(CORE_SRCS) $(TRACEDAT_SRCS) -o $@ $(LDLIBS) $(TRACEDAT_LIBS)

tracedat-tools: $(TRACEDAT_TOOLS) $(OUT)/tests/fuzz_tracedat

faultline: $(CORE_OBJS) $(APP_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# One self-contained binary for guest initramfs images and hosts without
# the shared libraries.
$(OUT)/faultline-static: $(CORE_OBJS) $(APP_OBJS)
	$(CC) $(CFLAGS) -static $^ -o $@ $(LDLIBS)

$(OUT)/tests/%: tests/unit/%.c $(CORE_OBJS) | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(CORE_OBJS) -o $@ $(LDLIBS) -lcmocka

static: $(OUT)/faultline-static

install: faultline
	install -D -m 0755 faultline $(DESTDIR)$(PREFIX)/sbin/faultline

# Debian packages, installed only when missing (apt-get update once).
deps:
	@tests/deps.sh $(DEB_BUILD) $(DEB_RUN)

deps-test:
	@tests/deps.sh $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST)

demo: deps
	$(MAKE) faultline
	./faultline demo

test: deps-test
	$(MAKE) faultline $(OUT)/faultline-static $(UNIT_TESTS) tracedat-tools
	tests/run.sh

test-unit: $(UNIT_TESTS)
	tests/run.sh unit

test-live: faultline tracedat-tools
	tests/run.sh live

# Guest kernels under QEMU (tests/guest/).  One run, e.g.:
#   make test-guests GUEST_ARGS="--kernel 6.12 --scenario demo --attach tp -v"
.PHONY: test-guests guest-kernels guest-headers
test-guests: deps-test
	$(MAKE) $(OUT)/faultline-static
	FL_FAULTLINE=$(CURDIR)/$(OUT)/faultline-static tests/guest/run.sh $(GUEST_ARGS)

# Download and extract the newest Debian 6.1 / 6.12 cloud kernels (cached).
guest-kernels:
	tests/guest/kernels.sh fetch

# linux-headers for those kernels, to build test modules against them.
guest-headers:
	tests/guest/kernels.sh headers

bench: deps-test
	$(MAKE) faultline $(OUT)/faultline-static $(OUT)/tests/tracedat_report $(OUT)/tests/workload_run
	tests/bench/bench.sh
	@echo "== precise lock tracking, in a guest kernel (fentry) =="
	FL_FAULTLINE=$(CURDIR)/$(OUT)/faultline-static FL_GUEST_SCENARIO_DIR=$(CURDIR)/tests/bench/guest \
		tests/guest/run.sh --kernel 6.12 --scenario lockcost -v

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(VMLINUX_ARCH).h
	ln -sf vmlinux_$(VMLINUX_ARCH).h vmlinux/vmlinux.h

clean:
	rm -rf $(OUT) faultline
