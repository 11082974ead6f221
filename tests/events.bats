#!/usr/bin/env bats
# events: runc's JSON event lines.  Every number is checked against the
# container's cgroup files, found at run time (v1, hybrid or v2), and the
# OOM event against a real OOM kill.

load helpers
load cgroup_layout

MiB=1048576

# events_stats [ID]: one `events --stats` line into $output, checked to be a
# stats event of that container; $data holds its "data" object.
events_stats ()
{
  local id=${1:-$ID}
  run sie events --stats "$id"
  assert_success
  [ "${#lines[@]}" -eq 1 ] || fail "expected one line, got ${#lines[@]}" "output: $output"
  [ "$(jq -r .type <<< "$output")" = stats ] || fail "not a stats event: $output"
  [ "$(jq -r .id <<< "$output")" = "$id" ] || fail "wrong id: $output"
  data=$(jq -c .data <<< "$output")
}

# field JQ_PATH: a number from $data (0 when absent, as Go omits zeros).
field () { jq -r "$1 // 0" <<< "$data"; }

# events_bg FILE ARGS...: `sie events ARGS` in the background into FILE;
# its pid in $events_pid (sie itself, so tests can signal it).
events_bg ()
{
  local out=$1
  shift
  "$SIE" --root "$ROOT" events "$@" > "$out" 2> "$out.err" &
  events_pid=$!
  on_teardown "kill -9 $events_pid"
}

# wait_events [tries]: waits (bounded, 0.1 s a try) for the background
# events to exit; $status is its exit status, 124 when it did not exit.
wait_events ()
{
  if ! wait_until "! kill -0 $events_pid 2> /dev/null" "${1:-150}"; then
    kill -9 "$events_pid"
    wait "$events_pid" 2> /dev/null
    status=124
    return 0
  fi
  wait_pid "$events_pid"
}

@test "events --stats: pids, memory and cpuset as the cgroup files read them" {
  cg_require memory
  set_resources "{\"memory\": {\"limit\": $((32 * MiB))}, \"pids\": {\"limit\": 20}}"
  set_cmd 'sleep 100 & sleep 100 & touch /ready; wait'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/ready"

  events_stats
  pid=$(container_pid "$ID")
  if cg_version pids > /dev/null; then
    [ "$(field .pids.current)" = 3 ] || fail "pids.current is $(field .pids.current), expected 3 (sh and two sleeps)"
    [ "$(field .pids.current)" = "$(ctr_read pids pids.current pids.current)" ] || fail "pids.current differs from the cgroup file"
    [ "$(field .pids.limit)" = 20 ] || fail "pids.limit is $(field .pids.limit)"
  fi

  usage=$(field .memory.usage.usage)
  limit=$(field .memory.usage.limit)
  [ "$limit" = $((32 * MiB)) ] || fail "memory limit is $limit"
  [ "$limit" = "$(ctr_read memory memory.limit_in_bytes memory.max)" ] || fail "the limit differs from the cgroup file"
  [ "$usage" -gt 0 ] && [ "$usage" -le "$limit" ] || fail "memory usage $usage is not in (0, $limit]"
  [ "$(jq '.memory.raw | length' <<< "$data")" -gt 5 ] || fail "memory.raw lacks memory.stat: $data"
  stat_file=$(ctr_file memory memory.stat memory.stat)
  key=$(awk 'NR == 1 { print $1 }' "$stat_file")
  [ "$(jq -r --arg k "$key" '.memory.raw[$k] | type' <<< "$data")" = number ] || fail "memory.raw has no $key"

  if [ "$(cg_version cpuset)" = 1 ]; then
    want=$(cat "$(cg_dir "$pid" cpuset)/cpuset.cpus")
    got=$(jq -r '.cpuset.cpus | join(",")' <<< "$data")
    [ -n "$got" ] || fail "cpuset.cpus missing: $data"
    note "cpuset.cpus $want -> [$got]"
  fi
  # the fields runc always prints are there
  for k in cpu cpuset memory pids blkio hugetlb; do
    [ "$(jq --arg k "$k" 'has($k)' <<< "$data")" = true ] || fail "data has no $k"
  done
}

@test "events --stats: cpu usage grows while the container computes, and matches the cgroup's counter" {
  set_cmd 'touch /ready; while :; do :; done'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/ready"

  events_stats
  t1=$(field .cpu.usage.total)
  sleep 0.5
  events_stats
  t2=$(field .cpu.usage.total)
  after_us=$(ctr_cpu_usec)
  note "cpu total $t1 -> $t2 ns; the cgroup then read ${after_us} µs"
  [ "$t2" -gt "$t1" ] || fail "cpu usage did not grow: $t1 -> $t2"
  [ $((t2 - t1)) -ge 50000000 ] || fail "a busy loop used only $(((t2 - t1) / 1000)) µs in 0.5 s"
  [ $((t2 / 1000)) -le "$after_us" ] || fail "events said $t2 ns, more than the cgroup's later ${after_us} µs"
  [ $((after_us - t2 / 1000)) -lt 1000000 ] || fail "events lags the cgroup by more than 1 s"
  if [ "$(cg_version cpuacct)" = 1 ]; then
    [ "$(jq '.cpu.usage.percpu | length' <<< "$data")" -eq "$(nproc --all)" ] || fail "percpu does not have one entry per CPU: $data"
  fi
}

@test "events --stats: hugetlb has every page size the cgroup accounts" {
  cg_require hugetlb
  set_args sleep 100
  run_detached "$ID"
  events_stats
  dir=$(cg_dir "$(container_pid "$ID")" hugetlb)
  want=$(ls "$dir" | sed -n 's/^hugetlb\.\([^.]*\)\.\(current\|usage_in_bytes\)$/\1/p' | sort | tr '\n' ' ')
  got=$(jq -r '.hugetlb | keys | join(" ")' <<< "$data")
  note "hugetlb ($(cg_version hugetlb | sed 's/^/v/')): $got"
  [ -n "$got" ] || fail "no hugetlb sizes: $data"
  [ "$got " = "$want" ] || fail "hugetlb sizes '$got', the cgroup has '$want'"
}

@test "events --stats: blkio counts the container's direct writes" {
  cg_require blkio
  scratch=$(mktemp -d /var/tmp/"$(host_name io)".XXXXXX)
  on_teardown "rm -rf '$scratch'"
  case $(stat -f -c %T "$scratch") in tmpfs | overlayfs) skip "/var/tmp is not on a block device" ;; esac
  add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$scratch\", \"options\": [\"rbind\", \"rw\"]}"
  set_cmd 'dd if=/dev/zero of=/data/f bs=65536 count=64 oflag=direct 2> /dev/null; sync; touch /done; exec sleep 100'
  run_detached "$ID"
  wait_for_file "$BUNDLE/rootfs/done"
  events_stats
  written=$(jq '[.blkio.ioServiceBytesRecursive[]? | select(.op == "Write") | .value] | add // 0' <<< "$data")
  note "blkio Write bytes: $written"
  [ "$written" -ge $((4 * MiB)) ] || fail "the container wrote 4 MiB directly, events shows $written: $data"
}

@test "events: an OOM kill in the container is an oom event" {
  cg_require memory
  set_resources "{\"memory\": {\"limit\": $((8 * MiB))}}"
  # the hog starts once events watches; init survives it and then exits
  set_cmd 'while [ ! -e /go ]; do sleep 0.05; done; tail /dev/zero; echo hog-status=$? > /hog'
  run_detached "$ID"
  events_bg "$TEST_DIR/events.out" --interval 100ms "$ID"
  wait_until "[ -s '$TEST_DIR/events.out' ]" 100
  touch "$BUNDLE/rootfs/go"
  wait_events
  note "$(grep -c '"stats"' "$TEST_DIR/events.out") stats lines; $(cat "$BUNDLE/rootfs/hog" 2> /dev/null)"
  [ "$status" -eq 0 ] || fail "events exited $status: $(cat "$TEST_DIR/events.out.err")"
  [ "$(cat "$BUNDLE/rootfs/hog")" = hog-status=137 ] || fail "the hog was not killed: $(cat "$BUNDLE/rootfs/hog")"
  grep -qxF "{\"type\":\"oom\",\"id\":\"$ID\"}" "$TEST_DIR/events.out" || fail "no oom event:" "$(cat "$TEST_DIR/events.out")"
  jq -e . "$TEST_DIR/events.out" > /dev/null || fail "a line is not JSON"
}

@test "events: the OOM kill that ends the container is reported before events exits" {
  cg_require memory
  set_resources "{\"memory\": {\"limit\": $((8 * MiB))}}"
  set_cmd 'while [ ! -e /go ]; do sleep 0.05; done; exec tail /dev/zero'
  run_detached "$ID"
  events_bg "$TEST_DIR/events.out" --interval 100ms "$ID"
  wait_until "[ -s '$TEST_DIR/events.out' ]" 100
  touch "$BUNDLE/rootfs/go"
  wait_events
  [ "$status" -eq 0 ] || fail "events exited $status: $(cat "$TEST_DIR/events.out.err")"
  wait_status "$ID" stopped
  grep -qxF "{\"type\":\"oom\",\"id\":\"$ID\"}" "$TEST_DIR/events.out" \
    || fail "no oom event:" "$(cat "$TEST_DIR/events.out")"
}

@test "events: streams stats at --interval and exits by itself when the container stops" {
  set_cmd 'sleep 1.5'
  run_detached "$ID"
  start=$(date +%s%N)
  run sie events --interval 200ms "$ID"
  took=$((($(date +%s%N) - start) / 1000000))
  assert_success
  note "${#lines[@]} lines in $took ms"
  [ "${#lines[@]}" -ge 3 ] || fail "expected several stats lines, got ${#lines[@]}" "output: $output"
  [ "$took" -lt 5000 ] || fail "events took $took ms to notice the container stopped"
  for l in "${lines[@]}"; do
    [ "$(jq -r '.type + " " + .id' <<< "$l")" = "stats $ID" ] || fail "bad line: $l"
  done
}

@test "events: SIGTERM and SIGINT end the stream with status 0" {
  set_args sleep 100
  run_detached "$ID"
  for sig in TERM INT; do
    events_bg "$TEST_DIR/events.$sig" --interval 100ms "$ID"
    wait_until "[ \$(wc -l < '$TEST_DIR/events.$sig') -ge 2 ]" 100
    kill -s "$sig" "$events_pid"
    wait_events 50
    [ "$status" -eq 0 ] || fail "events exited $status after SIG$sig: $(cat "$TEST_DIR/events.$sig.err")"
    jq -e . "$TEST_DIR/events.$sig" > /dev/null || fail "a partial line after SIG$sig"
  done
  [ "$(container_status "$ID")" = running ] || fail "the container did not survive events"
}

@test "events --stats: a created container has stats; its init is the one process" {
  set_args sleep 100
  create_container "$ID"
  events_stats
  if cg_version pids > /dev/null; then
    [ "$(field .pids.current)" = 1 ] || fail "pids.current is $(field .pids.current)"
  fi
}

@test "events: a stopped container is an error" {
  set_args true
  run_detached "$ID"
  wait_status "$ID" stopped
  run sie events --stats "$ID"
  assert_error_line "$ID"
  assert_output_match "not running"
  run sie events --interval 100ms "$ID"
  assert_error_line "$ID"
  assert_output_match "not running"
}

@test "events: a missing container is an error" {
  run sie events --stats "$ID"
  assert_error_line "$ID"
  assert_output_match "does not exist"
  run sie events "$ID"
  assert_error_line "$ID"
}

@test "events: bad flags are errors" {
  run sie events --interval 5 "$ID"
  assert_failure
  assert_output_match 'invalid duration "5"'
  run sie events --interval 0s "$ID"
  assert_output_match 'greater than 0'
  run sie events
  assert_failure
  assert_output_match 'missing ID'
  run sie events --bogus "$ID"
  assert_failure
  assert_output_match 'unknown'
}
