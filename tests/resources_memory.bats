#!/usr/bin/env bats
# linux.resources.memory given at create: each value read back from the
# container's cgroup (v1 or v2 file, wherever memory is mounted) and, where
# it can bite, shown biting inside the container.

load helpers
load cgroup_layout

MiB=1048576

setup ()
{
  sie_setup
  cg_require memory
}

@test "memory: limit — read back, and a hog is OOM-killed (exit 137, oom_kill counted)" {
  set_resources "{\"memory\": {\"limit\": $((32 * MiB))}}"
  # the hog is a child, so the container survives to be inspected
  # (the hog doubles a shell string: it cannot end early on a short read)
  set_cmd '(a=x; while :; do a=$a$a; done); echo $? > /hog.rc; exec sleep 100'
  run_detached "$ID"
  assert_cg memory memory.limit_in_bytes memory.max $((32 * MiB))
  wait_for_file "$BUNDLE/rootfs/hog.rc" 100
  [ "$(cat "$BUNDLE/rootfs/hog.rc")" = 137 ] || fail "hog exited $(cat "$BUNDLE/rootfs/hog.rc"), expected 137 (SIGKILL)"
  f=$(ctr_file memory memory.oom_control memory.events)
  [ "$(cg_stat_field "$f" oom_kill)" -ge 1 ] || fail "$f shows no oom_kill: $(cat "$f")"
}

@test "memory: limit — the container's init is the hog: run exits 137" {
  set_resources "{\"memory\": {\"limit\": $((32 * MiB))}}"
  set_cmd 'a=x; while :; do a=$a$a; done'
  run sie run -b "$BUNDLE" "$ID"
  assert_status 137
  assert_no_leftovers "$ID"
}

@test "memory: reservation — soft limit (v1) / memory.low (v2)" {
  set_resources "{\"memory\": {\"limit\": $((64 * MiB)), \"reservation\": $((16 * MiB))}}"
  set_args sleep 100
  create_container "$ID"
  assert_cg memory memory.soft_limit_in_bytes memory.low $((16 * MiB))
}

# has_swap_accounting: 0 yes, 1 no, 2 cannot tell (a v2 host where no
# cgroup below the root has memory enabled yet).
has_swap_accounting ()
{
  local mnt f
  mnt=$(cg_mount memory)
  if [ "$(cg_version memory)" = 1 ]; then
    [ -e "$mnt/memory.memsw.limit_in_bytes" ]
    return
  fi
  f=$(find "$mnt" -mindepth 2 -maxdepth 3 -name memory.max -print -quit 2> /dev/null)
  [ -n "$f" ] || return 2
  [ -e "$(dirname "$f")/memory.swap.max" ]
}

@test "memory: swap — memsw limit (v1) / memory.swap.max (v2), or a clear error without swap accounting" {
  set_resources "{\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((64 * MiB))}}"
  set_args sleep 100
  file=$(cg_name memory memory.memsw.limit_in_bytes memory.swap.max)
  has_swap_accounting && acct=0 || acct=$?
  if [ "$acct" = 2 ]; then
    run create_container "$ID"
    [ "$status" -eq 0 ] && acct=0 || acct=1
    sie delete --force "$ID" 2> /dev/null || true
  fi
  if [ "$acct" = 0 ]; then
    note "swap accounting is on ($file exists): expecting the limit set"
    create_container "$ID"
    if [ "$(cg_version memory)" = 1 ]; then
      assert_cg memory memory.memsw.limit_in_bytes - $((64 * MiB))
    else
      # OCI swap is memory+swap; v2's swap.max is swap alone
      assert_cg memory - memory.swap.max $((32 * MiB))
    fi
  else
    note "no $file here (swap accounting off): expecting create to fail naming it"
    assert_create_rejects linux.resources.memory.swap "$file"
  fi
}

@test "memory: swap below limit is rejected (swap is memory+swap)" {
  set_resources "{\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((16 * MiB))}}"
  assert_create_rejects linux.resources.memory.swap
}

@test "memory: swappiness — memory.swappiness on v1; an error naming the field on v2" {
  set_resources '{"memory": {"swappiness": 10}}'
  set_args sleep 100
  if [ "$(cg_version memory)" = 1 ]; then
    create_container "$ID"
    assert_cg memory memory.swappiness - 10
  else
    assert_create_rejects linux.resources.memory.swappiness
  fi
}

@test "memory: swappiness out of range fails naming the field and file" {
  [ "$(cg_version memory)" = 1 ] || skip "memory is on cgroup v2: swappiness is refused anyway"
  set_resources '{"memory": {"swappiness": 101}}'
  assert_create_rejects linux.resources.memory.swappiness memory.swappiness
}

@test "memory: disableOOMKiller — the hog waits under OOM instead of dying (v1)" {
  if [ "$(cg_version memory)" = 2 ]; then
    set_resources '{"memory": {"disableOOMKiller": true}}'
    assert_create_rejects linux.resources.memory.disableOOMKiller
    return
  fi
  set_resources "{\"memory\": {\"limit\": $((32 * MiB)), \"disableOOMKiller\": true}}"
  # The hog must fault in user mode: a charge that fails inside a syscall
  # (dd's read into an untouched buffer) just returns a short read, and the
  # task never waits under OOM. Doubling a shell string copies in user mode.
  set_cmd 'a=x; while :; do a=$a$a; done; echo $? > /hog.rc; exec sleep 100'
  run_detached "$ID"
  f=$(ctr_file memory memory.oom_control -)
  grep -qx 'oom_kill_disable 1' "$f" || fail "$f: $(cat "$f")"
  # up to 30 s: under a loaded suite the hog takes a while to fill 32 MiB
  wait_until "grep -qx 'under_oom 1' '$f'" 300 || fail "$f: $(cat "$f")"
  sleep 0.5
  # the hog is still there, stuck; nobody was killed
  [ ! -e "$BUNDLE/rootfs/hog.rc" ] || fail "the hog ended with $(cat "$BUNDLE/rootfs/hog.rc")"
  stuck=0
  for p in $(cat "$(dirname "$f")/cgroup.procs"); do
    grep -q '^State:.*D' "/proc/$p/status" && stuck=$((stuck + 1))
  done
  [ "$stuck" -eq 1 ] || fail "expected one task stuck under OOM, found $stuck"
  [ "$(cg_stat_field "$f" oom_kill)" -eq 0 ] || fail "$f: $(cat "$f")"
  # delete --force still ends it: a memcg OOM wait is killable
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "memory: checkBeforeUpdate is accepted at create" {
  set_resources "{\"memory\": {\"limit\": $((64 * MiB)), \"checkBeforeUpdate\": true}}"
  set_args sleep 100
  create_container "$ID"
  assert_cg memory memory.limit_in_bytes memory.max $((64 * MiB))
}

@test "memory: kernel memory limits are refused naming the field" {
  set_resources "{\"memory\": {\"kernel\": $((64 * MiB))}}"
  assert_create_rejects linux.resources.memory.kernel
}

@test "memory: a negative limit other than -1 fails naming the field and file" {
  set_resources '{"memory": {"limit": -5}}'
  assert_create_rejects linux.resources.memory.limit "$(cg_name memory memory.limit_in_bytes memory.max)"
}

@test "memory: limit -1 is unlimited" {
  set_resources '{"memory": {"limit": -1}}'
  set_args sleep 100
  create_container "$ID"
  got=$(ctr_read memory memory.limit_in_bytes memory.max)
  [ "$got" = max ] || [ "$got" -gt $((1 << 60)) ] || fail "memory limit reads $got"
}
