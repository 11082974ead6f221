# The guest side of the micro-VM (vmshim/kernel, vmshim/agent,
# vmshim/initramfs): the agent binary, the initramfs that makes it PID 1,
# and the guest kernel, built once and cached outside the checkout
# (vmshim/kernel/build says where).
AGENT_SRCS = $(sort $(wildcard vmshim/agent/*.c))
AGENT_OBJS = $(AGENT_SRCS:%.c=$(BUILD)/%.o)
AGENT_BIN = $(BUILD)/vmshim/sie-agent
GUEST_INITRAMFS = $(BUILD)/vmshim/initramfs.cpio
GUEST_KERNEL_PATH = $(BUILD)/vmshim/kernel.path

.PHONY: guest guest-kernel guest-initramfs guest-boot-qemu

all: guest
guest: guest-kernel guest-initramfs

# Static, so the initramfs needs no loader or libc of its own.
$(AGENT_BIN): $(AGENT_OBJS) $(BUILD)/util/error.o
	@mkdir -p $(dir $@)
	$(CC) -static-pie -Wl,-z,relro,-z,now -o $@ $^ -lyajl_s

# The script answers from its cache at once when the kernel exists;
# kernel.path is rewritten only when it changes, so its date means something.
guest-kernel:
	@mkdir -p $(BUILD)/vmshim
	@path=$$(vmshim/kernel/build) && \
	  { [ "$$(cat $(GUEST_KERNEL_PATH) 2> /dev/null)" = "$$path" ] || echo "$$path" > $(GUEST_KERNEL_PATH); } && \
	  echo "guest kernel: $$path"

# gen_init_cpio comes with the kernel build, hence the order.
$(GUEST_INITRAMFS): $(AGENT_BIN) vmshim/initramfs/build | guest-kernel
	vmshim/initramfs/build $(AGENT_BIN) $@

guest-initramfs: $(GUEST_INITRAMFS)

# Boots the guest under QEMU microvm and waits for the agent: a smoke test
# of the kernel and initramfs that needs no sie-vmm.
guest-boot-qemu: guest
	vmshim/initramfs/boot-qemu $$(cat $(GUEST_KERNEL_PATH)) $(GUEST_INITRAMFS)

# The codec's unit test links the agent objects it exercises.
$(SAN_BUILD)/unit/test_agent_frames: $(SAN_BUILD)/vmshim/agent/frames.o \
  $(SAN_BUILD)/vmshim/agent/request.o

-include $(AGENT_OBJS:.o=.d) $(SAN_BUILD)/vmshim/agent/frames.d $(SAN_BUILD)/vmshim/agent/request.d
