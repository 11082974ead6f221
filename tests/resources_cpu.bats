#!/usr/bin/env bats
# linux.resources.cpu given at create: the processing weight (shares →
# cpu.weight on v2), the cap (quota/period → cpu.max), burst, realtime,
# idle, and the processors and memory nodes (cpuset).  Each value is read
# back from the container's cgroup and, where it can bite, measured.

load helpers
load cgroup_layout

setup ()
{
  sie_setup
  cg_require cpu
}

BUSY='while :; do :; done'

# one_cpu: a CPU this shell may run on (the last of its allowed list).
one_cpu ()
{
  awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status | tr ',' '\n' | tail -n 1 | sed 's/.*-//'
}

# cpu_share_over SECONDS ID...: the CPU time (µs) each container used over
# a wall interval, one number per line, then the interval itself (µs);
# after a short settling time.
cpu_share_over ()
{
  local secs=$1 id t0 t1
  shift
  local -A u0
  sleep 0.3
  t0=${EPOCHREALTIME/[.,]/}
  for id in "$@"; do u0[$id]=$(ctr_cpu_usec "$id"); done
  sleep "$secs"
  for id in "$@"; do echo $(($(ctr_cpu_usec "$id") - u0[$id])); done
  t1=${EPOCHREALTIME/[.,]/}
  echo $((t1 - t0))
}

@test "cpu: shares — cpu.shares (v1) / cpu.weight converted as runc (v2)" {
  set_resources '{"cpu": {"shares": 512}}'
  set_args sleep 100
  create_container "$ID"
  assert_cg cpu cpu.shares cpu.weight "$( [ "$(cg_version cpu)" = 1 ] && echo 512 || cg_shares_to_weight 512)"
}

@test "cpu: shares bite — two busy containers on one CPU share it about 4:1 for 1024:256" {
  cg_require cpuset
  cpu=$(one_cpu)
  make_bundle "$TEST_DIR/b2"
  for b in "$BUNDLE" "$TEST_DIR/b2"; do
    update_config ".process.args = [\"sh\", \"-c\", \"$BUSY\"] | .linux.resources.cpu = {\"cpus\": \"$cpu\"}" "$b"
  done
  update_config '.linux.resources.cpu.shares = 1024'
  update_config '.linux.resources.cpu.shares = 256' "$TEST_DIR/b2"
  run_detached "$ID"
  sie_detached run -d -b "$TEST_DIR/b2" "$ID-b"
  mapfile -t r < <(cpu_share_over 1.5 "$ID" "$ID-b")
  hi=${r[0]} lo=${r[1]}
  note "cpu $cpu over 1.5 s: shares 1024 got ${hi} µs, shares 256 got ${lo} µs"
  [ "$lo" -gt 0 ] || fail "the 256-share container never ran"
  # 4:1 expected; other work on the CPU only dilutes both alike
  [ $((hi * 10 / lo)) -ge 25 ] || fail "ratio $hi/$lo is below 2.5"
  [ $((hi * 10 / lo)) -le 70 ] || fail "ratio $hi/$lo is above 7"
}

@test "cpu: quota+period — read back, and a busy loop is throttled to quota/period" {
  set_resources '{"cpu": {"quota": 20000, "period": 100000}}'
  set_cmd "$BUSY"
  run_detached "$ID"
  if [ "$(cg_version cpu)" = 1 ]; then
    assert_cg cpu cpu.cfs_quota_us - 20000
    assert_cg cpu cpu.cfs_period_us - 100000
  else
    assert_cg cpu - cpu.max "20000 100000"
  fi
  stat=$(ctr_file cpu cpu.stat cpu.stat)
  thr0=$(cg_stat_field "$stat" nr_throttled)
  mapfile -t r < <(cpu_share_over 2 "$ID")
  used=${r[0]} wall=${r[1]}
  thr1=$(cg_stat_field "$stat" nr_throttled)
  pct=$((used * 100 / wall))
  note "busy loop used ${used} µs of ${wall} µs (${pct}%, quota 20%); nr_throttled $thr0 -> $thr1"
  [ "$thr1" -gt "$thr0" ] || fail "nr_throttled did not grow"
  [ "$pct" -ge 5 ] && [ "$pct" -le 30 ] || fail "used ${pct}% of a CPU, expected about 20%"
}

@test "cpu: burst — cpu.cfs_burst_us (v1) / cpu.max.burst (v2)" {
  file=$(cg_name cpu cpu.cfs_burst_us cpu.max.burst)
  set_resources '{"cpu": {"quota": 50000, "period": 100000, "burst": 10000}}'
  set_args sleep 100
  cg_kernel_has cpu cpu.cfs_burst_us cpu.max.burst && has=0 || has=$?
  if [ "$has" = 1 ]; then
    note "this kernel has no $file: expecting create to fail naming it"
    assert_create_rejects linux.resources.cpu.burst "$file"
    return
  fi
  create_container "$ID"
  assert_cg cpu cpu.cfs_burst_us cpu.max.burst 10000
}

@test "cpu: burst above the quota fails naming the field and file" {
  cg_kernel_has cpu cpu.cfs_burst_us cpu.max.burst || [ $? = 2 ] || skip "no cpu burst file on this kernel"
  set_resources '{"cpu": {"quota": 50000, "period": 100000, "burst": 60000}}'
  assert_create_rejects linux.resources.cpu.burst "$(cg_name cpu cpu.cfs_burst_us cpu.max.burst)"
}

@test "cpu: idle — cpu.idle read back; an idle container yields the CPU to a normal one" {
  cg_require cpuset
  file=$(cg_name cpu cpu.idle cpu.idle)
  cg_kernel_has cpu cpu.idle cpu.idle || [ $? = 2 ] || skip "no $file on this kernel"
  cpu=$(one_cpu)
  make_bundle "$TEST_DIR/b2"
  for b in "$BUNDLE" "$TEST_DIR/b2"; do
    update_config ".process.args = [\"sh\", \"-c\", \"$BUSY\"] | .linux.resources.cpu = {\"cpus\": \"$cpu\"}" "$b"
  done
  update_config '.linux.resources.cpu.idle = 1'
  run_detached "$ID"
  assert_cg cpu cpu.idle cpu.idle 1
  sie_detached run -d -b "$TEST_DIR/b2" "$ID-b"
  mapfile -t r < <(cpu_share_over 1.5 "$ID" "$ID-b")
  idle=${r[0]} normal=${r[1]}
  note "cpu $cpu over 1.5 s: idle container ${idle} µs, normal container ${normal} µs"
  # SCHED_IDLE weight is 3 against 1024
  [ $((idle * 5)) -lt "$normal" ] || fail "the idle container got $idle µs against $normal µs"
}

@test "cpu: cpus and mems — cpuset files, and Cpus_allowed_list inside" {
  cg_require cpuset
  cpu=$(one_cpu)
  mem=$(cut -d, -f1 < "$(cg_mount cpuset)/cpuset.mems" 2> /dev/null | sed 's/-.*//')
  [ -n "$mem" ] || mem=$(awk '/^Mems_allowed_list:/ { print $2 }' /proc/self/status | sed 's/[-,].*//')
  set_resources "{\"cpu\": {\"cpus\": \"$cpu\", \"mems\": \"$mem\"}}"
  set_cmd 'grep -E "^(Cpus|Mems)_allowed_list" /proc/self/status > /allowed; exec sleep 100'
  run_detached "$ID"
  assert_cg cpuset cpuset.cpus cpuset.cpus "$cpu"
  assert_cg cpuset cpuset.mems cpuset.mems "$mem"
  wait_for_file "$BUNDLE/rootfs/allowed"
  grep -qx "Cpus_allowed_list:[[:space:]]*$cpu" "$BUNDLE/rootfs/allowed" || fail "$(cat "$BUNDLE/rootfs/allowed")"
  grep -qx "Mems_allowed_list:[[:space:]]*$mem" "$BUNDLE/rootfs/allowed" || fail "$(cat "$BUNDLE/rootfs/allowed")"
}

@test "cpu: cpus the host does not have fail naming the field and file" {
  cg_require cpuset
  set_resources '{"cpu": {"cpus": "4000-4001"}}'
  assert_create_rejects linux.resources.cpu.cpus cpuset.cpus
}

@test "cpu: mems the host does not have fail naming the field and file" {
  cg_require cpuset
  set_resources '{"cpu": {"mems": "999"}}'
  assert_create_rejects linux.resources.cpu.mems cpuset.mems
}

@test "cpu: quota below 1 ms fails naming the field and file" {
  set_resources '{"cpu": {"quota": 500, "period": 100000}}'
  assert_create_rejects linux.resources.cpu.quota "$(cg_name cpu cpu.cfs_quota_us cpu.max)"
}

@test "cpu: period below 1 ms fails naming the field and file" {
  set_resources '{"cpu": {"period": 100}}'
  assert_create_rejects linux.resources.cpu.period "$(cg_name cpu cpu.cfs_period_us cpu.max)"
}

@test "cpu: idle other than 0 or 1 fails naming the field and file" {
  cg_kernel_has cpu cpu.idle cpu.idle || [ $? = 2 ] || skip "no cpu.idle on this kernel"
  set_resources '{"cpu": {"idle": 5}}'
  assert_create_rejects linux.resources.cpu.idle cpu.idle
}

@test "cpu: shares the kernel would clamp fail naming the field and file (v1)" {
  [ "$(cg_version cpu)" = 1 ] || skip "on v2 shares are converted to a weight (runc clamps too)"
  set_resources '{"cpu": {"shares": 1}}'
  assert_create_rejects linux.resources.cpu.shares cpu.shares
}

# rt_budget_left DIR: what DIR's cpu.rt_runtime_us leaves after its children.
rt_budget_left ()
{
  local left c
  left=$(cat "$1/cpu.rt_runtime_us")
  [ "$left" -ge 0 ] || { echo 1000000; return; }
  for c in "$1"/*/cpu.rt_runtime_us; do
    [ -e "$c" ] && left=$((left - $(cat "$c")))
  done
  echo "$left"
}

@test "cpu: realtimeRuntime/Period — read back where the parent has a budget" {
  [ "$(cg_version cpu)" = 1 ] || {
    set_resources '{"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}'
    assert_create_rejects linux.resources.cpu.realtime
    return
  }
  parent=$(cg_dir $$ cpu)
  [ -e "$parent/cpu.rt_runtime_us" ] || skip "no cpu.rt_runtime_us: the kernel has no RT group scheduling"
  [ "$(rt_budget_left "$parent")" -ge 20000 ] || skip "the parent cgroup $parent has no realtime budget left"
  set_resources '{"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}'
  set_args sleep 100
  create_container "$ID"
  assert_cg cpu cpu.rt_runtime_us - 10000
  assert_cg cpu cpu.rt_period_us - 1000000
}

@test "cpu: realtimeRuntime under a parent without budget fails naming the field and file" {
  [ "$(cg_version cpu)" = 1 ] || skip "realtime is refused outright on cgroup v2 (see the test above)"
  [ -e "$(cg_mount cpu)/cpu.rt_runtime_us" ] || skip "no cpu.rt_runtime_us: the kernel has no RT group scheduling"
  # sie makes the parent, and a new cgroup starts with no realtime budget
  update_config ".linux.cgroupsPath = \"/$ID-rt/c\""
  set_resources '{"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}'
  assert_create_rejects linux.resources.cpu.realtimeRuntime cpu.rt_runtime_us
  [ ! -d "$(cg_mount cpu)/$ID-rt" ] || fail "the parent sie made is left"
}
