# sie-vmm, the micro-VM monitor (vmshim/vmm/): its own binary, linked from
# vmshim/vmm/**/*.c and the few util/ objects it shares with sie.  Fully
# static, like Firecracker: it starts once per VM and the dynamic loader's
# work would be most of its launch time.
VMM_SRCS = $(sort $(wildcard vmshim/vmm/*.c vmshim/vmm/virtio/*.c))
VMM_OBJS = $(VMM_SRCS:%.c=$(BUILD)/%.o)
VMM_UTIL_OBJS = $(BUILD)/util/error.o $(BUILD)/util/fs.o
VMM_BIN = $(BUILD)/vmshim/sie-vmm

.PHONY: fuzz-vmm

all: $(VMM_BIN)

$(VMM_BIN): $(VMM_OBJS) $(VMM_UTIL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -static-pie -Wl,-z,relro,-z,now -o $@ $^ -lseccomp -lcap -lpthread

# The unit tests link the VMM objects they exercise.
$(SAN_BUILD)/unit/test_virtqueue: $(SAN_BUILD)/vmshim/vmm/virtio/queue.o \
  $(SAN_BUILD)/vmshim/vmm/guest_mem.o
$(SAN_BUILD)/unit/test_virtio_mmio: $(SAN_BUILD)/vmshim/vmm/virtio/mmio.o \
  $(SAN_BUILD)/vmshim/vmm/virtio/queue.o $(SAN_BUILD)/vmshim/vmm/guest_mem.o

# libFuzzer target for the virtqueue walker (clang only): make fuzz-vmm.
# New inputs go to a scratch directory; the committed seeds (inputs that
# once found a bug) stay as they are.
VMM_FUZZ_SRCS = vmshim/vmm/virtio/queue.c vmshim/vmm/guest_mem.c util/error.c
$(BUILD)/fuzz/fuzz_virtqueue: tests/fuzz/fuzz_virtqueue.c $(VMM_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $^

fuzz-vmm: $(BUILD)/fuzz/fuzz_virtqueue
	@mkdir -p $(BUILD)/fuzz/corpus-virtqueue
	$(BUILD)/fuzz/fuzz_virtqueue -max_total_time=$${FUZZ_SECONDS:-30} -timeout=5 \
	  $(BUILD)/fuzz/corpus-virtqueue tests/fuzz/corpus-virtqueue

-include $(VMM_OBJS:.o=.d) $(patsubst %.c,$(SAN_BUILD)/%.d,vmshim/vmm/virtio/mmio.c \
  vmshim/vmm/virtio/queue.c vmshim/vmm/guest_mem.c)
