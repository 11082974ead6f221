#!/usr/bin/env bats
# sie-vmm, the micro-VM monitor (vmshim/vmm).
#
# Two guests.  tests/vm_guest.c is a tiny polled 64-bit guest that checks the
# boot protocol's structures and drives the devices itself (virtio-rng,
# virtio-vsock, the power-off port); it runs wherever /dev/kvm does.  The
# real guest kernel with the agent as PID 1 (vmshim/kernel, vmshim/agent)
# is used by the last tests, which skip when it is not built or when this
# host's KVM cannot run it (a PVM host runs only PVM-enlightened kernels).

load helpers

VMM=$SIE_REPO/build/vmshim/sie-vmm
GUEST=$SIE_TEST_BIN/vm_guest
GUEST_CFLAGS="-ffreestanding -nostdlib -static -fno-pie -no-pie -mno-red-zone
  -mgeneral-regs-only -fno-stack-protector -Wl,-Ttext-segment=0x200000 -Wl,--build-id=none"

setup_file ()
{
  # shellcheck disable=SC2086
  compile_helper vm_guest $GUEST_CFLAGS
  compile_helper vsock_uds
}

setup ()
{
  [ -x "$VMM" ] || skip "sie-vmm is not built (make)"
  [ -c /dev/kvm ] || skip "no /dev/kvm"
  sie_setup
  SOCK=$TEST_DIR/v.sock
  SERIAL=$TEST_DIR/serial
}

teardown ()
{
  local p
  # Whatever this test started and left alive: VMMs and socket helpers all
  # name a path under TEST_DIR on their command lines.
  [ -n "${TEST_DIR:-}" ] || return 0
  for p in $(pgrep -f -- "$TEST_DIR/" 2> /dev/null); do
    kill -9 "$p" 2> /dev/null
  done
  sie_teardown
}

# vmm ARGS...: runs sie-vmm with the test guest, bounded in time.
vmm ()
{
  run timeout -k 5 60 "$VMM" --kernel "$GUEST" "$@"
}

# start_vmm ARGS...: sie-vmm in the background, console to $SERIAL; sets
# VMM_PID (the process started, which waits for the jailed VMM).
start_vmm ()
{
  "$VMM" --serial-out "$SERIAL" "$@" 3>&- &
  VMM_PID=$!
}

# The jailed VMM: the child of the process started.
inner_pid ()
{
  cat "/proc/$VMM_PID/task/$VMM_PID/children" 2> /dev/null | awk '{print $1}'
}

@test "vm: boots one vCPU; the guest finds the zero page, e820 map and MP table" {
  vmm --cmdline "sie.test=hello" --memory 128
  assert_success
  assert_output_match "^sie-test-guest: ready cpus=1 ram_mib=128$"
  assert_output_match "^sie-test-guest: done$"
}

@test "vm: boots two and four vCPUs: all in the MP table, the others start on INIT/SIPI" {
  vmm --cmdline "sie.test=smp" --cpus 2 --memory 256
  assert_success
  assert_output_match "^sie-test-guest: ready cpus=2 ram_mib=256$"
  assert_output_match "^sie-test-guest: smp started=1$"
  vmm --cmdline "sie.test=smp" --cpus 4
  assert_success
  assert_output_match "^sie-test-guest: smp started=3$"
}

@test "vm: a clean power-off is the VMM's exit status" {
  vmm --cmdline "sie.test=exit:0"
  assert_success
  vmm --cmdline "sie.test=exit:7"
  assert_status 7
  assert_output_match "the guest powered off with status 7"
}

@test "vm: a guest reset or triple fault is an error (status 2)" {
  vmm --cmdline "sie.test=reset"
  assert_status 2
  assert_output_match "reset itself through the i8042"
  vmm --cmdline "sie.test=crash"
  assert_status 2
  assert_output_match "triple fault at rip 0x"
}

@test "vm: too little memory, or a file that is no kernel, is refused" {
  local path
  vmm --memory 1
  assert_status 1
  assert_output_match "guest memory of 1 MiB"
  head -c 2048 /dev/zero > "$TEST_DIR/zeros"
  run timeout 10 "$VMM" --kernel "$TEST_DIR/zeros"
  assert_status 1
  assert_output_match "sie-vmm: the kernel is neither a bzImage nor an ELF vmlinux"
  if path=$(cat "$SIE_REPO/build/vmshim/kernel.path" 2> /dev/null) && [ -f "$path" ]; then
    run timeout 10 "$VMM" --kernel "$path" --memory 16
    assert_status 1
    assert_output_match "sie-vmm: the kernel needs 0x[0-9a-f]+-0x[0-9a-f]+, beyond guest memory"
  fi
  printf 'short' > "$TEST_DIR/short"
  run timeout 10 "$VMM" --kernel "$TEST_DIR/short"
  assert_status 1
  assert_output_match "sie-vmm: the kernel image is 5 bytes"
}

@test "vm: virtio-rng fills the guest's buffer" {
  vmm --cmdline "sie.test=rng"
  assert_success
  assert_output_match "^sie-test-guest: rng bytes=64$"
}

@test "vm: a virtqueue buffer outside guest RAM breaks the device, not the VMM" {
  vmm --cmdline "sie.test=badring"
  assert_success
  assert_output_match "^sie-test-guest: device needs reset$"
  assert_output_match "virtio-rng: .*outside guest memory; the device needs a reset"
}

@test "vm: vsock: the host reaches guest port 1024, the guest reaches host port 5000" {
  "$SIE_TEST_BIN/vsock_uds" serve "${SOCK}_5000" > "$TEST_DIR/served" 2> /dev/null 3>&- &
  local server=$!
  wait_for_file "${SOCK}_5000"
  start_vmm --kernel "$GUEST" --cmdline "sie.test=vsock:2" --vsock-uds "$SOCK"
  wait_for_file "$SOCK"
  run bash -c "printf 'ping one\nping two\n' | timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1024"
  assert_success
  assert_output_match "^OK [0-9]+$"
  assert_output_match "^ping one$"
  assert_output_match "^ping two$"
  # more than either side's buffer space: credit updates keep it flowing
  head -c 200000 /dev/urandom > "$TEST_DIR/in"
  timeout 60 "$SIE_TEST_BIN/vsock_uds" connect "$SOCK" 1024 < "$TEST_DIR/in" > "$TEST_DIR/out" 2> /dev/null
  cmp "$TEST_DIR/in" "$TEST_DIR/out"
  wait_pid "$VMM_PID"
  [ "$status" -eq 0 ] || fail "VMM exit $status" "$(cat "$SERIAL")"
  grep -qx "sie-test-guest: host said: ack: hello from the guest" "$SERIAL" || fail "$(cat "$SERIAL")"
  wait_pid "$server"
  grep -qx "hello from the guest" "$TEST_DIR/served"
  [ ! -e "$SOCK" ] || fail "the VMM left its socket"
}

@test "vm: vsock: connections to closed ports and malformed CONNECTs are refused" {
  start_vmm --kernel "$GUEST" --cmdline "sie.test=vsock" --vsock-uds "$SOCK"
  wait_for_file "$SOCK"
  run bash -c "printf 'x\n' | timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1025"
  assert_failure
  assert_output_match "refused CONNECT 1025"
  for line in "NONSENSE" "CONNECT" "CONNECT -1" "CONNECT 4294967296" "CONNECT 12 34"; do
    run timeout 20 "$SIE_TEST_BIN/vsock_uds" raw "$SOCK" "$line"
    assert_success
    [ -z "$output" ] || fail "answer to '$line': $output"
  done
  # the guest still serves a well-formed CONNECT afterwards
  run bash -c "printf 'still here\n' | timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1024"
  assert_success
  assert_output_match "^still here$"
  # then its own connect to host port 5000, where nobody listens, is reset
  wait_pid "$VMM_PID"
  assert_status 99
  grep -q "FAIL: host port 5000 refused the connection" "$SERIAL"
}

@test "vm: the VMM runs confined: own namespaces, no capabilities, seccomp, empty root" {
  start_vmm --kernel "$GUEST" --cmdline "sie.test=hang" --vsock-uds "$SOCK"
  wait_until "grep -q ready '$SERIAL' 2> /dev/null"
  local inner ns
  inner=$(inner_pid)
  [ -n "$inner" ] || fail "no jailed VMM under $VMM_PID"
  for ns in pid mnt ipc uts; do
    [ "$(readlink "/proc/$inner/ns/$ns")" != "$(readlink /proc/self/ns/$ns)" ] || fail "$ns namespace shared"
  done
  grep -q "^CapEff:.*0000000000000000$" "/proc/$inner/status"
  grep -q "^CapBnd:.*0000000000000000$" "/proc/$inner/status"
  grep -q "^NoNewPrivs:.*1$" "/proc/$inner/status"
  grep -q "^Seccomp:.*2$" "/proc/$inner/status"
  [ "$(ls "/proc/$inner/root/")" = vsock ] || fail "root holds: $(ls "/proc/$inner/root/")"
  kill "$VMM_PID"
  wait_pid "$VMM_PID"
  assert_status 143
  [ ! -e "$SOCK" ]
}

@test "vm: killing the VMM mid-boot leaves no process and no socket" {
  local inner
  start_vmm --kernel "$GUEST" --cmdline "sie.test=hang" --vsock-uds "$SOCK"
  wait_until "grep -q ready '$SERIAL' 2> /dev/null"
  inner=$(inner_pid)
  [ -n "$inner" ] && [ -S "$SOCK" ]
  kill -9 "$VMM_PID"
  wait_pid "$VMM_PID"
  assert_status 137
  wait_until "! kill -0 $inner 2> /dev/null"
  wait_until "[ ! -e '$SOCK' ]"
  [ -z "$(pgrep -f -- "--serial-out $TEST_DIR/")" ] || fail "processes left: $(pgrep -af -- "$TEST_DIR/")"

  # the jailed VMM itself, killed: the process that started it cleans up
  start_vmm --kernel "$GUEST" --cmdline "sie.test=hang" --vsock-uds "$SOCK"
  wait_until "[ -S '$SOCK' ] && [ -n \"\$(inner_pid)\" ]"
  kill -9 "$(inner_pid)"
  wait_pid "$VMM_PID"
  assert_status 137
  wait_until "[ ! -e '$SOCK' ]"
}

@test "vm: a vCPU thread making a forbidden system call kills the VMM (seccomp)" {
  vmm --cmdline "sie.test=hello" --seccomp-selftest --vsock-uds "$SOCK"
  assert_status 159
  assert_output_match "outside its seccomp filter \(SIGSYS\)"
  assert_output_no_match "sie-test-guest: ready"
  [ ! -e "$SOCK" ]
}

# ---------------------------------------------------------------- the real guest

# Sets KERNEL and INITRAMFS or skips: not built, or a host that cannot run
# a stock kernel.
need_guest_kernel ()
{
  local path
  path=$(cat "$SIE_REPO/build/vmshim/kernel.path" 2> /dev/null) || skip "no guest kernel (make guest)"
  KERNEL=$(dirname "$path")/vmlinux
  [ -f "$KERNEL" ] || KERNEL=$path
  INITRAMFS=$SIE_REPO/build/vmshim/initramfs.cpio
  [ -f "$KERNEL" ] && [ -f "$INITRAMFS" ] || skip "guest kernel or initramfs missing (make guest)"
  # PVM (kvm_pvm) runs guest kernel code natively only for kernels built as
  # PVM guests; a stock kernel falls back to KVM's instruction emulator and
  # dies in it (cmpxchg16b, xsave, int3).
  [ ! -d /sys/module/kvm_pvm ] || skip "this host's KVM is PVM: it cannot run a stock guest kernel"
}

# boot_agent CPUS: starts the guest and waits for "sie-agent: ready".
boot_agent ()
{
  start_vmm --kernel "$KERNEL" --initrd "$INITRAMFS" --cpus "$1" --memory 256 \
    --vsock-uds "$SOCK" --cmdline "console=ttyS0"
  wait_until "grep -q 'sie-agent: ready' '$SERIAL' 2> /dev/null" 300 ||
    fail "no agent" "$(tail -20 "$SERIAL")"
}

@test "vm: the guest kernel boots to the agent with 1 and 2 vCPUs" {
  need_guest_kernel
  boot_agent 1
  kill "$VMM_PID"
  wait_pid "$VMM_PID"
  boot_agent 2
  grep -q "smp: Brought up 1 node, 2 CPUs" "$SERIAL" || fail "$(grep -i smp "$SERIAL")"
}

@test "vm: the agent answers a ping over vsock, runs a command, shuts down cleanly" {
  need_guest_kernel
  boot_agent 1
  run bash -c "printf '{\"op\":\"ping\"}\n' | timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1024"
  assert_success
  assert_output_match '"ok": ?true'

  # stdout "out\n", stderr "err\n", exit 3: frames 01, 02 and 04 00000300
  run bash -c "{ printf '%s\n' '{\"op\":\"exec\",\"args\":[\"/bin/sh\",\"-c\",\"echo out; echo err >&2; exit 3\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"}'
                 printf '\0\0\0\0\0'; sleep 30; } |
               timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1024 2> /dev/null | od -An -tx1 -v | tr -d ' \n'"
  [[ $output == *0100000004"6f75740a"* ]] || fail "no stdout frame: $output"
  [[ $output == *0200000004"6572720a"* ]] || fail "no stderr frame: $output"
  [[ $output == *040000000400000300 ]] || fail "no exit frame with status 3: $output"

  run bash -c "printf '{\"op\":\"shutdown\"}\n' | timeout 20 '$SIE_TEST_BIN/vsock_uds' connect '$SOCK' 1024"
  wait_pid "$VMM_PID"
  [ "$status" -eq 0 ] || fail "VMM exit $status after shutdown" "$(tail -5 "$SERIAL")"
}
