# faultline: build, test and benchmark.
#
#   make demo      install Debian deps, build, run the built-in demo (root)
#   make test      install Debian deps, build, run every test (root)
#   make           build ./faultline
#   make bench     overhead of faultline check on fault-heavy workloads, and a soak
#   make bench-soak  the soak alone: watch for FL_SOAK_MINUTES (20) over a mixed load
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

# One object per concern; a hook's tracepoint, fentry and kprobe forms are
# programs of the same object, the loader autoloads the one it plans.
BPF_OBJS	:= faults pagecache inval iomap locks lockorder
SKELS		:= $(patsubst %,$(OUT)/%.skel.h,$(BPF_OBJS))

# The engine and everything it needs, without BPF: shared by the binary
# and the unit tests.
CORE_SRCS	:= src/engine.c src/evqueue.c src/signature.c src/sigset.c src/cli.c src/exit.c src/outputs.c src/lockorder.c src/lock_hierarchy.c src/rules.c src/ksyms.c src/util.c src/report_text.c \
		   src/report_json.c src/dump_write.c src/dump_read.c src/timeline.c \
		   src/report_cmd.c src/xfs_holds.c src/report_lockorder.c src/tracedat_cpustats.c \
		   src/report_fs.c src/dump_crc_x4.c
APP_SRCS	:= src/main.c src/cli_live.c src/filters.c src/check.c src/watch.c src/sink_kmsg.c \
		   src/sink_metrics.c src/sink_journal.c src/probe.c src/demo.c src/loader.c src/record.c \
		   src/tracefs.c src/scratch.c src/scratch_zoned.c src/workload.c src/pathres.c \
		   src/live.c src/kernel.c src/loader_late.c src/modwatch.c
# trace-cmd import (`report trace.dat`, libtracecmd): in ./faultline; the
# static build and the test helpers link the stub that says it is missing
# (Debian has no static libtracecmd).
TRACEDAT_SRCS	:= src/import_tracedat.c src/tracedat_events.c src/tracedat_records.c \
		   src/tracedat_fly.c
TRACEDAT_PKGS	:= libtracecmd libtraceevent libtracefs libzstd
# libtracecmd up to 1.3 reads compressed traces in quadratic time unless
# the importer holds their pages (import_tracedat.c, hold_page)
TRACEDAT_CFLAGS	= $(shell pkg-config --cflags $(TRACEDAT_PKGS)) -DFL_TRACECMD_HOLD_PAGES=$(if \
		  $(filter 1.0.% 1.1.% 1.2.% 1.3.%,$(shell pkg-config --modversion libtracecmd)),1,0)
TRACEDAT_LIBS	= $(shell pkg-config --libs $(TRACEDAT_PKGS))
TRACEDAT_OBJ	:= $(patsubst src/%.c,$(OUT)/%.o,$(TRACEDAT_SRCS))
TRACEDAT_NONE	:= $(OUT)/import_tracedat_none.o
CORE_OBJS	:= $(patsubst src/%.c,$(OUT)/%.o,$(CORE_SRCS))
APP_OBJS	:= $(patsubst src/%.c,$(OUT)/%.o,$(APP_SRCS))
# The dump's CRC-32: ISA-L in ./faultline (fast), zlib where no static
# ISA-L exists (faultline-static) and in the test helpers (src/dump_crc.c).
CRC_ISAL	:= $(OUT)/dump_crc_isal.o
CRC_ZLIB	:= $(OUT)/dump_crc.o

UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))

DEB_BUILD	:= clang llvm gcc make libbpf-dev bpftool libelf-dev zlib1g-dev \
		   libjson-c-dev pkg-config libisal-dev libtracecmd-dev libtraceevent-dev \
		   libtracefs-dev libzstd-dev libsystemd-dev
DEB_RUN		:= xfsprogs e2fsprogs util-linux mount
DEB_TEST	:= man-db libcmocka-dev jq clang-14 libclang-rt-14-dev time trace-cmd btrfs-progs stress-ng fio \
		   python3 prometheus-node-exporter curl fuse2fs

# BPF objects are intermediates of the skeletons; keep them for llvm-objdump and bpftool
.SECONDARY: $(OUT)/floor.bpf.o $(patsubst %,$(OUT)/%.bpf.o,$(BPF_OBJS))

.PHONY: all clean install uninstall deps deps-test demo test test-tools test-unit test-live test-dump bench bench-soak \
	vmlinux static \
	tracedat-tools

all: faultline

$(OUT) $(OUT)/tests:
	mkdir -p $@

vmlinux/vmlinux.h:
	ln -sf vmlinux_$(VMLINUX_ARCH).h $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/faultline/events.h vmlinux/vmlinux.h | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name fl_$* > $@

$(OUT)/%.o: src/%.c $(wildcard src/*.h) include/faultline/events.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/loader.o: $(SKELS)

$(CRC_ISAL): src/dump_crc.c src/dump.h | $(OUT)
	$(CC) $(CFLAGS) -DFL_HAVE_ISAL -c $< -o $@

$(TRACEDAT_OBJ): CFLAGS += $(TRACEDAT_CFLAGS)

# The journal and sd_notify through libsystemd in ./faultline; the static
# build has no libsystemd.a in Debian: sink_journal.c without it refuses
# --journal and makes notifications no-ops.
$(OUT)/sink_journal.o: CFLAGS += -DFL_HAVE_SYSTEMD
$(OUT)/sink_journal_none.o: src/sink_journal.c src/watch.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@
STATIC_OBJS	:= $(filter-out $(OUT)/sink_journal.o,$(APP_OBJS)) $(OUT)/sink_journal_none.o

faultline: $(CORE_OBJS) $(APP_OBJS) $(CRC_ISAL) $(TRACEDAT_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lisal $(TRACEDAT_LIBS) -lsystemd

# One self-contained binary for guest initramfs images and hosts without
# the shared libraries.
$(OUT)/faultline-static: $(CORE_OBJS) $(STATIC_OBJS) $(CRC_ZLIB) $(TRACEDAT_NONE)
	$(CC) $(CFLAGS) -static $^ -o $@ $(LDLIBS)

$(OUT)/tests/%: tests/unit/%.c $(CORE_OBJS) $(CRC_ZLIB) $(TRACEDAT_NONE) | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(CORE_OBJS) $(CRC_ZLIB) $(TRACEDAT_NONE) -o $@ $(LDLIBS) -lcmocka

static: $(OUT)/faultline-static

# Synthetic dumps for the tests and the bench (through the real writer).
$(OUT)/tests/gendump: tests/tools/gendump.c $(CORE_OBJS) $(CRC_ISAL) $(TRACEDAT_NONE) | $(OUT)/tests
	$(CC) $(CFLAGS) $< $(CORE_OBJS) $(CRC_ISAL) $(TRACEDAT_NONE) -o $@ $(LDLIBS) -lisal

# The post-mortem readers under ASan/UBSan (the bad-file tests run this).
SAN_FLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(OUT)/asan:
	mkdir -p $@
$(OUT)/asan/%.o: src/%.c $(wildcard src/*.h) include/faultline/events.h | $(OUT)/asan
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@
$(OUT)/asan/loader.o: $(SKELS)
$(patsubst src/%.c,$(OUT)/asan/%.o,$(TRACEDAT_SRCS)): CFLAGS += $(TRACEDAT_CFLAGS)
$(OUT)/asan/sink_journal.o: CFLAGS += -DFL_HAVE_SYSTEMD
$(OUT)/asan/faultline: $(patsubst src/%.c,$(OUT)/asan/%.o,$(CORE_SRCS) $(APP_SRCS) src/dump_crc.c \
		       $(TRACEDAT_SRCS))
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ -o $@ $(LDLIBS) $(TRACEDAT_LIBS) -lsystemd

# libFuzzer target for the dump reader (clang, libclang-rt-14-dev).
$(OUT)/fuzz/fuzz_dump: tests/fuzz/fuzz_dump.c $(CORE_SRCS) $(wildcard src/*.h)
	mkdir -p $(OUT)/fuzz
	$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$< $(CORE_SRCS) src/dump_crc.c src/import_tracedat_none.c -o $@ -lz -ljson-c

# test_state_bounds reads every BPF object of bpf/, the bench's floor too.
DUMP_TOOLS	:= $(OUT)/tests/gendump $(OUT)/asan/faultline $(OUT)/fuzz/fuzz_dump \
		   $(OUT)/floor.bpf.o

# The trace-cmd import's tests: the demo workload without BPF, and a
# libFuzzer target for the importer (tests/fuzz).
$(OUT)/tests/workload_run: tests/tools/workload_run.c $(OUT)/workload.o $(OUT)/util.o | $(OUT)/tests
	$(CC) $(CFLAGS) $^ -o $@ -lpthread

$(OUT)/fuzz/fuzz_tracedat: tests/fuzz/fuzz_tracedat.c $(CORE_SRCS) $(TRACEDAT_SRCS) $(wildcard src/*.h)
	mkdir -p $(OUT)/fuzz
	$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc $(TRACEDAT_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$< $(CORE_SRCS) src/dump_crc.c $(TRACEDAT_SRCS) -o $@ -lz -ljson-c $(TRACEDAT_LIBS)

TRACEDAT_TOOLS	:= $(OUT)/tests/workload_run $(OUT)/fuzz/fuzz_tracedat
tracedat-tools: $(TRACEDAT_TOOLS)

# The bench's floor (tests/bench/flfloor.c): empty BPF programs on the hooks
# faultline attaches, bpf/floor.bpf.c in its own skeleton, not in faultline.
# Static as well, for the guest bench (busybox initramfs).
$(OUT)/floor.skel.h: $(OUT)/floor.bpf.o
$(OUT)/tests/flfloor: tests/bench/flfloor.c $(OUT)/floor.skel.h src/util.c src/util.h | $(OUT)/tests
	$(CC) $(CFLAGS) $< src/util.c -o $@ -lbpf -lelf -lz
$(OUT)/tests/flfloor-static: tests/bench/flfloor.c $(OUT)/floor.skel.h src/util.c src/util.h | $(OUT)/tests
	$(CC) $(CFLAGS) -static $< src/util.c -o $@ -lbpf -lelf -lz

# Live-test helpers: a task and a file whose names try to forge report lines.
$(OUT)/tests/evilname: tests/tools/evilname.c | $(OUT)/tests
	$(CC) $(CFLAGS) $< -o $@

# The service manager's end of sd_notify, for the unit's protocol test.
$(OUT)/tests/notify_listen: tests/tools/notify_listen.c | $(OUT)/tests
	$(CC) $(CFLAGS) $< -o $@

LIVE_TOOLS	:= $(OUT)/tests/evilname $(OUT)/tests/notify_listen

# Is the CPU (QEMU's TCG in the guest tests) right about setcc on a fault?
# Static: it runs in the guests' busybox initramfs.
$(OUT)/tests/tcg_setcc: tests/tools/tcg_setcc.c | $(OUT)/tests
	$(CC) $(CFLAGS) -static $< -o $@

# The systemd unit goes where Debian's systemd.pc says for PREFIX=/usr
# (/lib/systemd/system on Debian 12), else to $(PREFIX)/lib/systemd/system
# (systemd reads /usr/local/lib/systemd/system too).  Its ExecStart and
# EnvironmentFile follow PREFIX and SYSCONFDIR; /etc/default/faultline is
# an operator's file: installed once, never overwritten, kept by uninstall.
SYSCONFDIR	?= /etc
ifeq ($(PREFIX),/usr)
UNITDIR		?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || \
			   echo /lib/systemd/system)
else
UNITDIR		?= $(PREFIX)/lib/systemd/system
endif
MAN_PAGES	:= $(notdir $(wildcard docs/man/*.8))

install: faultline
	install -D -m 0755 faultline $(DESTDIR)$(PREFIX)/sbin/faultline
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/local/sbin/faultline|$(PREFIX)/sbin/faultline|' \
	    -e 's|/etc/default/faultline|$(SYSCONFDIR)/default/faultline|' \
	    src/faultline.service >$(DESTDIR)$(UNITDIR)/faultline.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/faultline.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/faultline ] || \
		install -D -m 0644 src/faultline.default $(DESTDIR)$(SYSCONFDIR)/default/faultline

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/faultline $(DESTDIR)$(UNITDIR)/faultline.service
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(MAN_PAGES))
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/default/faultline (operator settings): remove it by hand"

# Debian packages, installed only when missing (apt-get update once).
deps:
	@tests/deps.sh $(DEB_BUILD) $(DEB_RUN)

deps-test:
	@tests/deps.sh $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST)

demo: deps
	$(MAKE) faultline
	./faultline demo

# First what the guests use (the static binary; the systemd scenario
# installs the dynamic one with workload_run and tcg_setcc, which its
# prepare() would otherwise build while tests/run.sh builds the rest):
# tests/run.sh starts them, then builds the host tests' tools (test-tools)
# while they boot.
GUEST_TOOLS	:= $(OUT)/faultline-static faultline $(OUT)/tests/workload_run $(OUT)/tests/tcg_setcc
test: deps-test
	$(MAKE) $(GUEST_TOOLS)
	tests/run.sh

test-tools: faultline $(UNIT_TESTS) $(DUMP_TOOLS) $(TRACEDAT_TOOLS) $(LIVE_TOOLS)

test-unit: $(UNIT_TESTS)
	tests/run.sh unit

test-live: faultline $(DUMP_TOOLS) $(TRACEDAT_TOOLS) $(LIVE_TOOLS)
	tests/run.sh live

test-dump: faultline $(DUMP_TOOLS)
	tests/run.sh dump

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
	$(MAKE) faultline $(OUT)/faultline-static $(OUT)/tests/gendump $(OUT)/tests/workload_run \
		$(OUT)/tests/flfloor $(OUT)/tests/flfloor-static
	tests/bench/bench.sh
	@echo "== precise lock tracking, in a guest kernel (fentry) =="
	FL_FAULTLINE=$(CURDIR)/$(OUT)/faultline-static FL_GUEST_SCENARIO_DIR=$(CURDIR)/tests/bench/guest \
		tests/guest/run.sh --kernel 6.12 --scenario lockcost -v

# The soak leg of bench alone (tests/bench/soak.sh; FL_SOAK_MINUTES=20).
bench-soak: deps-test
	$(MAKE) faultline $(OUT)/tests/workload_run
	tests/bench/soak.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(VMLINUX_ARCH).h
	ln -sf vmlinux_$(VMLINUX_ARCH).h vmlinux/vmlinux.h

clean:
	rm -rf $(OUT) faultline
