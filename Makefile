# sie: an OCI container runtime.  `make demo` and `make check` set up a fresh
# Debian 12 machine (as root) and need nothing else.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS += -I. -D_GNU_SOURCE= -D_FILE_OFFSET_BITS=64
ALL_CFLAGS = $(WARN) $(CFLAGS) -std=gnu11 -fno-strict-aliasing -fstack-protector-strong \
             -D_FORTIFY_SOURCE=2 -fPIE
# libseccomp, libcap and yajl link statically: sie is exec'd on every
# container start (twice, counting the sealed-memfd re-exec), and fewer
# shared objects to map is measurably faster and smaller.  Debian ships no
# static libmnl, so it stays shared.
LIBS = -Wl,-Bstatic -lseccomp -lcap -lyajl_s -lprotobuf-c -lnettle -Wl,-Bdynamic -lmnl
LDFLAGS += -pie -Wl,-z,relro,-z,now

LIB_DIRS = util spec runtime cgroups namespaces netns relocate
LIB_SRCS = $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
CMD_SRCS = $(sort $(wildcard cmd/*.c))

BUILD = build

# CRIU's RPC and statistics messages, generated from the protocol files that
# tests/install-criu installs with CRIU (they match the criu binary).
CRIU_PROTO_DIR ?= /usr/local/include/criu
GEN = $(BUILD)/gen
CRIU_PROTOS = rpc stats
CRIU_PB_HDRS = $(CRIU_PROTOS:%=$(GEN)/criu/%.pb-c.h)
CRIU_PB_OBJS = $(CRIU_PROTOS:%=$(GEN)/criu/%.pb-c.o)
CRIU_PB_SAN_OBJS = $(CRIU_PROTOS:%=$(GEN)/criu/%.pb-c.san.o)
CPPFLAGS += -I$(GEN)

LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(CRIU_PB_OBJS)
CMD_OBJS = $(CMD_SRCS:%.c=$(BUILD)/%.o)

# Unit tests: tests/unit/test_*.c, each linked against the library objects,
# built and run under AddressSanitizer and UBSan.
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_BUILD = $(BUILD)/san
SAN_LIB_OBJS = $(LIB_SRCS:%.c=$(SAN_BUILD)/%.o) $(CRIU_PB_SAN_OBJS)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(SAN_BUILD)/unit/%)

BENCH_BINS = $(BUILD)/bench/floor $(BUILD)/bench/rusage $(BUILD)/bench/memhog

MAN_PAGES = $(sort $(wildcard man/*.8))

.PHONY: all deps demo check unit integration bench install clean fuzz

# Keep the sanitizer objects: make would otherwise delete them as
# intermediates after the tests, below prove's summary line.
.SECONDARY: $(SAN_LIB_OBJS) $(CRIU_PB_HDRS) $(CRIU_PROTOS:%=$(GEN)/criu/%.pb-c.c)

all: sie

# sie copies itself into a sealed memfd on every container start, so the
# binary carries no debug sections; they stay in build/sie.debug, found by
# gdb through the debuglink.
$(BUILD)/sie.debug: $(LIB_OBJS) $(CMD_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

sie: $(BUILD)/sie.debug
	objcopy --strip-debug --add-gnu-debuglink=$< $< $@

$(GEN)/criu/%.pb-c.c $(GEN)/criu/%.pb-c.h: $(CRIU_PROTO_DIR)/%.proto
	@mkdir -p $(GEN)/criu
	@test -f $< || { echo "missing $<: run make deps (tests/install-criu)" >&2; exit 1; }
	protoc-c --proto_path=$(CRIU_PROTO_DIR) --c_out=$(GEN)/criu $<

$(GEN)/criu/%.pb-c.o: $(GEN)/criu/%.pb-c.c $(CRIU_PB_HDRS)
	$(CC) $(CPPFLAGS) -I$(GEN)/criu $(CFLAGS) -fPIE -c -o $@ $<

$(GEN)/criu/%.pb-c.san.o: $(GEN)/criu/%.pb-c.c $(CRIU_PB_HDRS)
	$(CC) $(CPPFLAGS) -I$(GEN)/criu -O1 -g $(SAN_FLAGS) -c -o $@ $<

# Sources include the generated headers: make them first.
$(LIB_SRCS:%.c=$(BUILD)/%.o) $(CMD_OBJS) $(LIB_SRCS:%.c=$(SAN_BUILD)/%.o): | $(CRIU_PB_HDRS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g -std=gnu11 $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(SAN_BUILD)/unit/%: tests/unit/%.c $(SAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g -std=gnu11 $(SAN_FLAGS) -o $@ $^ -lseccomp -lcap -lyajl -lprotobuf-c -lnettle -lmnl

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -static -o $@ $<

# libFuzzer target for the config parser (clang only): make fuzz
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ \
	  tests/fuzz/fuzz_config.c spec/*.c util/*.c -lyajl -lcap

# New inputs go to a scratch directory; the committed seeds stay as they are.
fuzz: $(BUILD)/fuzz/fuzz_config
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_config -max_total_time=$${FUZZ_SECONDS:-30} $(BUILD)/fuzz/corpus tests/fuzz/corpus

deps:
	@./tests/install-deps

demo: deps all
	@./tests/demo

unit: $(UNIT_BINS)

# The whole suite under one `prove`, so CI reads one summary line.
check: deps all unit $(BENCH_BINS)
	@./tests/run-all

bench: all $(BENCH_BINS)
	./bench/lifecycle
	./bench/cgroups
	./bench/checkpoint
	./bench/relocate

install: all
	install -D -m 0755 sie $(DESTDIR)$(BINDIR)/sie
	for p in $(MAN_PAGES); do install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man8/$$(basename $$p); done

clean:
	rm -rf $(BUILD) sie

# The micro-VM pieces (vmshim/): each part brings its own make fragment.
-include $(sort $(wildcard vmshim/*.mk))

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(SAN_LIB_OBJS:.o=.d)
