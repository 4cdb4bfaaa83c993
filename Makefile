# Linux IPC examples: build, demo and tests.
#
#   make            build every program next to its source (pipes/fifoWriter)
#   make CC=clang   the same with clang
#   make demo       run every pair with the article's defaults, output labelled
#   make test       build, then run the bats suite (tests/*.bats)
#   make check      the suite again under ASan+UBSan and under valgrind,
#                   plus cppcheck and shellcheck
#   make doctor     can this machine run every pair? (and how to fix it)
#   make watch PAIR=x  the pair's objects, locks and processes, live
#
# Adding a pair: add its programs to PROGRAMS below (one line).

PROGRAMS := \
	shared-files/producer shared-files/consumer \
	shared-memory/memwriter shared-memory/memreader \
	shared-memory/svwriter shared-memory/svreader \
	pipes/pipeUN pipes/fifoWriter pipes/fifoReader \
	message-queues/sender message-queues/receiver \
	message-queues/mqsender message-queues/mqreceiver \
	sockets/server sockets/pollserver sockets/client \
	sockets/dgserver sockets/dgclient \
	sockets/fdsender sockets/fdreceiver \
	signals/shutdown signals/sigreceiver signals/sigsender \
	signals/sigfdreceiver \
	bench/ipcbench

# Build into O (default: next to the sources). `make check` uses O=build/asan.
O ?=
B := $(if $(O),$(O)/,)

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror
# No feature-test macro here: each source file defines the one it needs at
# its top (ERRATA B-2), so it also builds alone with its README's gcc line.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SAN),1)
CFLAGS := -O1 -g $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
CPPFLAGS += -Iinclude
LDLIBS += -lrt -pthread -lm

BINS := $(addprefix $(B),$(PROGRAMS))
EXISTING := $(foreach p,$(PROGRAMS),$(if $(wildcard $(p).c),$(B)$(p)))
COMMON := $(B)include/ipc.o

.PHONY: all demo test check clean try stress fuzz bench watch doctor trace list-programs
all: $(EXISTING)

$(B)include/ipc.o: include/ipc.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -MF $@.d -c -o $@ $<

# Each program is one .c file (plus the pair's header, tracked by -MMD),
# linked with the objects it depends on.
$(EXISTING): $(B)%: %.c $(COMMON)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -MF $@.d -MT $@ $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LDLIBS)

# The bench: a driver (bench/ipcbench.c) and a file per mechanism family.
BENCH_OBJS := $(patsubst %.c,$(B)%.o,$(filter-out bench/ipcbench.c,$(wildcard bench/*.c)))
$(B)bench/ipcbench: $(BENCH_OBJS)
$(BENCH_OBJS): $(B)%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -MF $@.d -c -o $@ $<

-include $(addsuffix .d,$(EXISTING) $(COMMON) $(BENCH_OBJS))

# The System V pairs key their objects on a header beside the programs
# (ftok): a build elsewhere (O=dir) gets a copy of it there.
KEYFILES := message-queues/queue.h shared-memory/svshm.h
.PHONY: keyfiles
keyfiles: $(if $(O),$(addprefix $(B),$(KEYFILES)))
ifneq ($(O),)
all: $(addprefix $(B),$(KEYFILES))
$(addprefix $(B),$(KEYFILES)): $(B)%: %
	@mkdir -p $(@D)
	cp $< $@
endif

# make list-programs : the programs, one per line (tests read the list here)
list-programs:
	@printf '%s\n' $(PROGRAMS)

demo: all
	@bash scripts/demo.sh

JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test: all
	@JOBS=$(JOBS) bash tests/run

check: all
	@JOBS=$(JOBS) bash scripts/check

clean:
	rm -f $(addprefix $(B),$(PROGRAMS)) $(addsuffix .d,$(addprefix $(B),$(PROGRAMS))) \
	      $(B)include/ipc.o $(B)include/ipc.o.d $(if $(O),$(addprefix $(B),$(KEYFILES))) \
	      $(BENCH_OBJS) $(addsuffix .d,$(BENCH_OBJS))
	rm -rf build

# make try PAIR=sockets : the pair in two tmux panes (see ./try --help)
try: all
	@./try $(PAIR)

# make watch PAIR=sockets : the pair's objects, locks and processes as the
# kernel sees them, refreshed in this terminal (scripts/watch --help)
watch:
	@scripts/watch $(PAIR)

# make doctor : can this machine run every pair? (scripts/doctor --help)
doctor:
	@bash scripts/doctor

# make trace PAIR=shared-memory: both programs' system calls on one timeline
# (strace; ALL=1: every call, TIMES=1: a column of ms). make trace: the
# pairs. make trace UPDATE=1 [PAIR=...]: rewrite the golden traces in
# docs/traces/ (scripts/trace --help).
trace: $(if $(PAIR)$(UPDATE),all)
	@$(if $(O),IPC_BIN_DIR=$(abspath $(O))) bash scripts/trace $(if $(UPDATE),--update $(PAIR),$(if $(PAIR),$(if $(ALL),--all) $(if $(TIMES),--times) $(PAIR),--list-usage))

# make stress: every pair, repeated, in parallel, with kill -9 and signals
# at random (seeded) moments; SEED=n replays, RUNS/FAULTS/ROUNDS shrink it.
stress: all
	@bash scripts/stress

# make fuzz: libFuzzer on the server's framing, the shared option helpers and
# every program's own option parsing, FUZZ_SECONDS each (default 60).
fuzz:
	@bash fuzz/run

# make bench: every mechanism's throughput and latency, with the machine's
# limits, then the echo servers of sockets/ run as programs; QUICK=1 for a
# short run. Writes bench/results/results.{csv,svg}.
bench: all
	@$(B)bench/ipcbench $(if $(QUICK),-q)
