#!/usr/bin/env bats
# `sie update`: runc's flags and -r resources.json, applied live to the
# container's cgroup (each value read back from the file of this host's
# layout, v1 or v2 per controller), recorded in the state dir, biting in
# the container, and undone when a part of it fails.

load helpers
load cgroup_layout

MiB=1048576

setup ()
{
  sie_setup
}

# start_sleeper: a running container whose init sleeps.
start_sleeper ()
{
  set_args sleep 1000
  run_detached "$ID"
}

# wait_go_then 'shell': the container waits for /go (touched by the test
# through the bundle's rootfs), then runs the command.
wait_go_then ()
{
  set_cmd "while [ ! -e /go ]; do sleep 0.1; done; $1"
}
go () { touch "$BUNDLE/rootfs/go"; }

# recorded JQ: jq filter on the container's resources.json.
recorded () { jq -r "$1" "$ROOT/$ID/resources.json"; }

# swap_file: the memory+swap (v1) or swap (v2) file, when the host accounts swap.
swap_file ()
{
  local f
  f=$(ctr_file memory memory.memsw.limit_in_bytes memory.swap.max) || return 1
  [ -e "$f" ] && echo "$f"
}

@test "update: --memory and --memory-reservation, with units, read back" {
  cg_require memory
  start_sleeper
  run sie update --memory 256m --memory-reservation 128M "$ID"
  assert_success
  assert_cg memory memory.limit_in_bytes memory.max $((256 * MiB))
  assert_cg memory memory.soft_limit_in_bytes memory.low $((128 * MiB))
  run sie update --memory 1.5GiB "$ID"
  assert_success
  assert_cg memory memory.limit_in_bytes memory.max $((1536 * MiB))
  run sie update --memory 100000000 "$ID"
  assert_success
  # the kernel keeps whole pages
  assert_cg memory memory.limit_in_bytes memory.max $((100000000 / 4096 * 4096))
}

@test "update: --memory-swap read back as memory+swap (v1) or swap alone (v2)" {
  cg_require memory
  start_sleeper
  f=$(swap_file) || skip "no swap accounting on this host"
  run sie update --memory 128m --memory-swap 256m "$ID"
  assert_success
  assert_cg memory memory.memsw.limit_in_bytes memory.swap.max \
    "$([ "$(cg_version memory)" = 1 ] && echo $((256 * MiB)) || echo $((128 * MiB)))"
  assert_cg memory memory.limit_in_bytes memory.max $((128 * MiB))
}

@test "update: memory and swap grow and shrink together (v1 writes them in the right order)" {
  cg_require memory
  cg_kernel_has memory memory.memsw.limit_in_bytes memory.swap.max || skip "no swap accounting on this host"
  set_resources "{\"memory\": {\"limit\": $((64 * MiB)), \"swap\": $((64 * MiB))}}"
  start_sleeper
  swap_file > /dev/null || skip "no swap accounting in the container's cgroup"
  # growing: memory+swap must rise first, or the kernel refuses limit > memsw
  run sie update --memory 512m --memory-swap 512m "$ID"
  assert_success
  assert_cg memory memory.limit_in_bytes memory.max $((512 * MiB))
  assert_cg memory memory.memsw.limit_in_bytes memory.swap.max \
    "$([ "$(cg_version memory)" = 1 ] && echo $((512 * MiB)) || echo 0)"
  # shrinking: the limit must fall first
  run sie update --memory 32m --memory-swap 32m "$ID"
  assert_success
  assert_cg memory memory.limit_in_bytes memory.max $((32 * MiB))
  assert_cg memory memory.memsw.limit_in_bytes memory.swap.max \
    "$([ "$(cg_version memory)" = 1 ] && echo $((32 * MiB)) || echo 0)"
  # a limit above the recorded memory+swap alone is refused, naming both
  run sie update --memory 128m "$ID"
  assert_error_line "$ID"
  assert_output_match 'memory\.swap: .* below memory\.limit'
  assert_cg memory memory.limit_in_bytes memory.max $((32 * MiB))
  # -1 for memory alone frees both, as runc
  run sie update --memory -1 "$ID"
  assert_success
  [ "$(recorded .memory.limit)" = -1 ]
  [ "$(recorded .memory.swap)" = -1 ]
  assert_cg memory memory.memsw.limit_in_bytes memory.swap.max \
    "$([ "$(cg_version memory)" = 1 ] && echo 9223372036854771712 || echo max)"
}

@test "update: --cpu-shares (and runc's --cpu-share) as cpu.shares or converted cpu.weight" {
  cg_require cpu
  start_sleeper
  run sie update --cpu-shares 512 "$ID"
  assert_success
  assert_cg cpu cpu.shares cpu.weight "$([ "$(cg_version cpu)" = 1 ] && echo 512 || cg_shares_to_weight 512)"
  run sie update --cpu-share 2048 "$ID"
  assert_success
  assert_cg cpu cpu.shares cpu.weight "$([ "$(cg_version cpu)" = 1 ] && echo 2048 || cg_shares_to_weight 2048)"
}

@test "update: --cpu-quota, --cpu-period and --cpu-burst read back" {
  cg_require cpu
  start_sleeper
  run sie update --cpu-quota 50000 --cpu-period 200000 "$ID"
  assert_success
  if [ "$(cg_version cpu)" = 1 ]; then
    assert_cg cpu cpu.cfs_quota_us - 50000
    assert_cg cpu cpu.cfs_period_us - 200000
  else
    assert_cg cpu - cpu.max "50000 200000"
  fi
  f=$(ctr_file cpu cpu.cfs_burst_us cpu.max.burst)
  [ -e "$f" ] || skip "no cpu burst on this kernel"
  run sie update --cpu-burst 10000 "$ID"
  assert_success
  [ "$(cat "$f")" = 10000 ] || fail "$f reads $(cat "$f")"
  # a shorter period with a quota that only fits the new one: quota first
  run sie update --cpu-quota 20000 --cpu-period 50000 "$ID"
  assert_success
  [ "$(recorded .cpu.period)" = 50000 ]
  [ "$(recorded .cpu.burst)" = 10000 ]
}

@test "update: --cpu-idle read back" {
  cg_require cpu
  start_sleeper
  [ -e "$(ctr_file cpu cpu.idle cpu.idle)" ] || skip "no cpu.idle on this kernel"
  run sie update --cpu-idle 1 "$ID"
  assert_success
  assert_cg cpu cpu.idle cpu.idle 1
  run sie update --cpu-idle 0 "$ID"
  assert_success
  assert_cg cpu cpu.idle cpu.idle 0
}

@test "update: --cpu-rt-period and --cpu-rt-runtime (v1 only)" {
  cg_require cpu
  start_sleeper
  if [ "$(cg_version cpu)" = 2 ]; then
    run sie update --cpu-rt-runtime 10000 "$ID"
    assert_error_line "$ID"
    assert_output_match -- '--cpu-rt-runtime: .*not supported on cgroup v2'
    return
  fi
  [ -e "$(ctr_file cpu cpu.rt_runtime_us -)" ] || skip "kernel without CONFIG_RT_GROUP_SCHED"
  run sie update --cpu-rt-period 1000000 --cpu-rt-runtime 10000 "$ID"
  assert_success
  assert_cg cpu cpu.rt_period_us - 1000000
  assert_cg cpu cpu.rt_runtime_us - 10000
  [ "$(recorded .cpu.realtimeRuntime)" = 10000 ]
}

@test "update: --cpuset-cpus and --cpuset-mems read back" {
  cg_require cpuset
  start_sleeper
  run sie update --cpuset-cpus 0 --cpuset-mems 0 "$ID"
  assert_success
  assert_cg cpuset cpuset.cpus cpuset.cpus 0
  assert_cg cpuset cpuset.mems cpuset.mems 0
  pid=$(container_pid "$ID")
  grep -q '^Cpus_allowed_list:[[:space:]]*0$' "/proc/$pid/status" ||
    fail "init may still run elsewhere: $(grep Cpus_allowed_list "/proc/$pid/status")"
}

@test "update: --pids-limit read back; -1 is max" {
  cg_require pids
  start_sleeper
  run sie update --pids-limit 42 "$ID"
  assert_success
  assert_cg pids pids.max pids.max 42
  run sie update --pids-limit -1 "$ID"
  assert_success
  assert_cg pids pids.max pids.max max
}

@test "update: --blkio-weight as blkio(.bfq).weight or io(.bfq).weight" {
  cg_require blkio
  start_sleeper
  dir=$(dirname "$(ctr_file blkio blkio.weight io.weight)")
  for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
    [ -e "$dir/$f" ] && break
  done
  [ -e "$dir/$f" ] || skip "no blkio weight file in $dir (no CFQ or BFQ)"
  run sie update --blkio-weight 300 "$ID"
  assert_success
  case $f in
    blkio.*) want=300 ;;
    io.bfq.weight) want="default 300" ;;
    io.weight) want="default $(cg_blkio_to_io_weight 300)" ;;
  esac
  [ "$(head -n 1 "$dir/$f")" = "$want" ] || fail "$dir/$f reads '$(head -n 1 "$dir/$f")', expected '$want'"
}

@test "update: --kernel-memory and --kernel-memory-tcp only warn, as runc" {
  start_sleeper
  run sie update --kernel-memory 64m --kernel-memory-tcp 1m "$ID"
  assert_success
  assert_output_match 'warning: .*--kernel-memory is ignored'
  assert_output_match 'warning: .*--kernel-memory-tcp is ignored'
}

@test "update: --l3-cache-schema and --mem-bw-schema fail naming the flag" {
  start_sleeper
  run sie update --l3-cache-schema 'L3:0=f' "$ID"
  assert_error_line "$ID"
  assert_output_match -- '--l3-cache-schema: '
  run sie update --mem-bw-schema 'MB:0=50' "$ID"
  assert_error_line "$ID"
  assert_output_match -- '--mem-bw-schema: '
}

@test "update: recorded in resources.json, and a second update merges into it" {
  cg_require memory
  cg_require pids
  start_sleeper
  [ ! -e "$ROOT/$ID/resources.json" ] || fail "create wrote resources.json"
  run sie update --memory 256m "$ID"
  assert_success
  [ "$(recorded .memory.limit)" = $((256 * MiB)) ]
  # the config's own resources are kept (the default device rules)
  [ "$(recorded '.devices[0].allow')" = false ]
  run sie update --pids-limit 30 "$ID"
  assert_success
  [ "$(recorded .memory.limit)" = $((256 * MiB)) ] || fail "memory limit lost: $(cat "$ROOT/$ID/resources.json")"
  [ "$(recorded .pids.limit)" = 30 ]
  assert_cg memory memory.limit_in_bytes memory.max $((256 * MiB))
  assert_cg pids pids.max pids.max 30
  # 0 means "unchanged", as runc
  run sie update --memory 0 --pids-limit 0 "$ID"
  assert_success
  [ "$(recorded .memory.limit)" = $((256 * MiB)) ]
  [ "$(recorded .pids.limit)" = 30 ]
  assert_cg pids pids.max pids.max 30
  # written atomically: no temporary file stays beside it
  [ "$(ls "$ROOT/$ID" | grep -c resources)" -eq 1 ] || fail "$(ls "$ROOT/$ID")"
}

@test "update: -r FILE in runc's resources.json format" {
  cg_require memory
  cg_require cpu
  cg_require pids
  start_sleeper
  cat > "$TEST_DIR/r.json" << EOF
{"memory": {"limit": $((200 * MiB)), "reservation": $((100 * MiB))},
 "cpu": {"shares": 256, "quota": 30000, "period": 100000},
 "pids": {"limit": 17}}
EOF
  run sie update -r "$TEST_DIR/r.json" "$ID"
  assert_success
  assert_cg memory memory.limit_in_bytes memory.max $((200 * MiB))
  assert_cg memory memory.soft_limit_in_bytes memory.low $((100 * MiB))
  assert_cg pids pids.max pids.max 17
  if [ "$(cg_version cpu)" = 1 ]; then
    assert_cg cpu cpu.shares - 256
    assert_cg cpu cpu.cfs_quota_us - 30000
  else
    assert_cg cpu - cpu.max "30000 100000"
  fi
  [ "$(recorded .cpu.shares)" = 256 ]
  [ "$(recorded .pids.limit)" = 17 ]
}

@test "update: -r - reads the standard input; --resources is its long form" {
  cg_require pids
  start_sleeper
  run sie update -r - "$ID" <<< '{"pids": {"limit": 23}}'
  assert_success
  assert_cg pids pids.max pids.max 23
  run sie update --resources - "$ID" <<< '{"pids": {"limit": 24}}'
  assert_success
  assert_cg pids pids.max pids.max 24
  [ "$(recorded .pids.limit)" = 24 ]
}

@test "update: -r errors name the document and the field; -r with flags is refused" {
  start_sleeper
  run sie update -r - "$ID" <<< '{"memory": {"limit": "1G"}}'
  assert_error_line "$ID"
  assert_output_match 'stdin: memory\.limit: expected an integer'
  run sie update -r - "$ID" <<< '{"memory": '
  assert_error_line "$ID"
  assert_output_match 'stdin: line 1'
  run sie update -r "$TEST_DIR/none.json" "$ID"
  assert_error_line "$ID"
  assert_output_match 'none\.json'
  run sie update -r - --memory 1g "$ID" <<< '{}'
  assert_error_line "$ID"
  assert_output_match -- '--resources cannot be combined with --memory'
  run sie update -r - "$ID" <<< '{"unified": {"memory.high": "1G"}}'
  assert_error_line "$ID"
  assert_output_match 'unified'
  [ ! -e "$ROOT/$ID/resources.json" ]
}

@test "update: fields runc's update ignores are dropped with a warning" {
  start_sleeper
  run sie update -r - "$ID" <<< '{"devices": [{"allow": true, "access": "rwm"}], "memory": {"swappiness": 10}}'
  assert_success
  assert_output_match 'warning: .*linux\.resources\.devices is ignored'
  assert_output_match 'warning: .*memory\.swappiness is ignored'
  [ "$(recorded '.devices | length')" = 1 ]
  [ "$(recorded '.devices[0].allow')" = false ]
}

@test "update: memory.checkBeforeUpdate refuses a limit below the usage" {
  cg_require memory
  start_sleeper
  run sie update -r - "$ID" <<< '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
  assert_error_line "$ID"
  assert_output_match 'memory\.limit: 4096 is not above the current usage [0-9]+ \(checkBeforeUpdate\)'
  [ "$(ctr_read memory memory.limit_in_bytes memory.max)" != 4096 ]
  [ ! -e "$ROOT/$ID/resources.json" ]
}

@test "update: a created container can be updated; a paused one too" {
  cg_require pids
  set_args sleep 1000
  create_container "$ID"
  run sie update --pids-limit 50 "$ID"
  assert_success
  assert_cg pids pids.max pids.max 50
  run sie start "$ID"
  assert_success
  run sie pause "$ID"
  [ "$status" -eq 0 ] || skip "pause is not available: $output"
  run sie update --pids-limit 51 "$ID"
  assert_success
  assert_cg pids pids.max pids.max 51
  run sie resume "$ID"
  assert_success
}

@test "update: a lower pids limit makes fork fail in the container" {
  cg_require pids
  # sh gives up on the first fork that fails: the loop runs in a subshell
  wait_go_then '(i=0; while [ $i -lt 20 ]; do sleep 1000 & i=$((i + 1)); done) 2> /forks.err; echo done > /forks.done; exec sleep 1000'
  run_detached "$ID"
  run sie update --pids-limit 5 "$ID"
  assert_success
  go
  wait_for_file "$BUNDLE/rootfs/forks.done"
  f=$(ctr_file pids pids.current pids.current)
  [ "$(cat "$f")" -le 5 ] || fail "$f reads $(cat "$f"), above the limit 5"
  grep -qiE "fork|resource temporarily unavailable" "$BUNDLE/rootfs/forks.err" ||
    fail "no fork failure: $(cat "$BUNDLE/rootfs/forks.err")"
  f=$(ctr_file pids pids.events pids.events)
  [ "$(cg_stat_field "$f" max)" -ge 1 ] || fail "$f: $(cat "$f")"
}

@test "update: a lower memory limit gets a hog OOM-killed" {
  cg_require memory
  wait_go_then '(a=x; while :; do a=$a$a; done); echo $? > /hog.rc; exec sleep 1000'
  run_detached "$ID"
  args=(--memory 32m)
  swap_file > /dev/null && args+=(--memory-swap 32m)
  run sie update "${args[@]}" "$ID"
  assert_success
  go
  wait_for_file "$BUNDLE/rootfs/hog.rc"
  [ "$(cat "$BUNDLE/rootfs/hog.rc")" = 137 ] || fail "hog exited $(cat "$BUNDLE/rootfs/hog.rc"), expected 137"
  f=$(ctr_file memory memory.oom_control memory.events)
  [ "$(cg_stat_field "$f" oom_kill)" -ge 1 ] || fail "$f: $(cat "$f")"
}

@test "update: a lower cpu quota throttles a busy loop" {
  cg_require cpu
  wait_go_then 'while :; do :; done'
  run_detached "$ID"
  run sie update --cpu-quota 10000 --cpu-period 100000 "$ID"
  assert_success
  f=$(ctr_file cpu cpu.stat cpu.stat)
  [ "$(cg_stat_field "$f" nr_throttled)" -eq 0 ] || fail "throttled before the loop: $(cat "$f")"
  go
  sleep 1.5
  [ "$(cg_stat_field "$f" nr_throttled)" -ge 5 ] || fail "$f: $(cat "$f")"
}

@test "update: bad values fail naming the flag and the container; nothing changes" {
  start_sleeper
  for bad in "--memory 12x" "--memory-swap 1q" "--memory-reservation -5" "--cpu-quota abc" \
             "--cpu-period -1" "--cpu-shares 1.5" "--pids-limit many" "--cpuset-cpus 0-x" \
             "--blkio-weight heavy" "--cpu-idle yes"; do
    run sie update $bad "$ID"
    assert_error_line "$ID"
    assert_output_match -- "update: ${bad%% *}: "
  done
  run sie update --memory 99999999999999999999 "$ID"
  assert_error_line "$ID"
  assert_output_match -- '--memory: .* too large'
  run sie update "$ID" --no-such-flag 1
  assert_error_line "$ID"
  [ ! -e "$ROOT/$ID/resources.json" ]
}

@test "update: a value the kernel refuses names the flag, the field and the file" {
  cg_require cpu
  start_sleeper
  [ "$(cg_version cpu)" = 1 ] || skip "v1 cpu.shares clamps; v2 refuses out of range weights elsewhere"
  run sie update --cpu-shares 1 "$ID"
  assert_error_line "$ID"
  assert_output_match -- '--cpu-shares: linux\.resources\.cpu\.shares: .*/cpu\.shares: .*out of range'
  # the kernel's clamped value was undone too
  assert_cg cpu cpu.shares - 1024
}

@test "update: a write failing mid-way rolls back the earlier ones; nothing left behind" {
  cg_require memory
  cg_require cpuset
  cg_require pids
  start_sleeper
  run sie update --pids-limit 40 "$ID"
  assert_success
  before_json=$(cat "$ROOT/$ID/resources.json" 2> /dev/null || echo none)
  before_mem=$(ctr_read memory memory.limit_in_bytes memory.max)
  before_cpus=$(ctr_read cpuset cpuset.cpus cpuset.cpus)
  # valid syntax, but cpus this host does not have: memory is written
  # first (controller order), then cpuset.cpus fails
  bad=$(( $(nproc --all) + 3 ))
  run sie update --memory 64m --cpuset-cpus "0-$bad" "$ID"
  assert_error_line "$ID"
  assert_output_match -- "--cpuset-cpus: linux\.resources\.cpu\.cpus: .*/cpuset\.cpus: .*nothing was changed"
  [ "${#lines[@]}" -eq 1 ] || fail "expected one line: $output"
  [ "$(ctr_read memory memory.limit_in_bytes memory.max)" = "$before_mem" ] ||
    fail "memory limit not rolled back: $(ctr_read memory memory.limit_in_bytes memory.max), was $before_mem"
  [ "$(ctr_read cpuset cpuset.cpus cpuset.cpus)" = "$before_cpus" ]
  [ "$(cat "$ROOT/$ID/resources.json" 2> /dev/null || echo none)" = "$before_json" ] ||
    fail "resources.json changed: $(cat "$ROOT/$ID/resources.json")"
  # the same through -r
  run sie update -r - "$ID" <<< "{\"memory\": {\"limit\": $((48 * MiB))}, \"cpu\": {\"cpus\": \"0-$bad\"}}"
  assert_error_line "$ID"
  [ "$(ctr_read memory memory.limit_in_bytes memory.max)" = "$before_mem" ]
  [ "$(cat "$ROOT/$ID/resources.json" 2> /dev/null || echo none)" = "$before_json" ]
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "update: a stopped container fails clearly" {
  set_args true
  run_detached "$ID"
  wait_status "$ID" stopped
  run sie update --memory 64m "$ID"
  assert_error_line "$ID"
  assert_output_match 'container is stopped'
  [ ! -e "$ROOT/$ID/resources.json" ]
}

@test "update: a missing container fails clearly" {
  run sie update --memory 64m "$ID"
  assert_error_line "$ID"
  assert_output_match 'does not exist'
  run sie update "$ID"
  assert_error_line "$ID"
  [ ! -e "$ROOT/$ID" ]
}

@test "update: no ID is a usage error" {
  run sie update --memory 64m
  assert_failure
  assert_output_match 'missing ID'
}
