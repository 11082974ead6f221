#!/usr/bin/env bats
# pause and resume through the freezer, the paused status, and what still
# works on a paused container (kill, delete --force).
#
# The freezer used is found at run time from the container's recorded
# cgroup ($ROOT/ID/cgroup): a v1 directory with freezer.state, else the
# cgroup2 directory (cgroup.freeze).  On a host that has both, sie uses the
# v1 freezer; one test removes the v1 freezer from the record to drive the
# v2 path against the same container's cgroup2 directory.

load helpers

# A failed test may leave a container paused: thaw it before the common
# teardown kills what is left (a task frozen by the v1 freezer would not
# die of that SIGKILL).
teardown ()
{
  local f
  for f in "$ROOT"/*/cgroup; do
    [ -f "$f" ] || continue
    awk 'NR > 1 { print $4 }' "$f" | while read -r dir; do
      [ -e "$dir/freezer.state" ] && echo THAWED > "$dir/freezer.state"
      [ -e "$dir/cgroup.freeze" ] && echo 0 > "$dir/cgroup.freeze"
    done
  done 2> /dev/null
  sie_teardown
}

# freezer_of ID: "1 DIR" or "2 DIR", the freezer sie uses for ID.
freezer_of ()
{
  local levels v2 hier dir
  while read -r levels v2 hier dir; do
    [ "$v2" = 0 ] && [ -e "$dir/freezer.state" ] && { echo "1 $dir"; return; }
  done < <(tail -n +2 "$ROOT/$1/cgroup")
  while read -r levels v2 hier dir; do
    [ "$v2" = 1 ] && { echo "2 $dir"; return; }
  done < <(tail -n +2 "$ROOT/$1/cgroup")
}

# frozen_file_says VERSION DIR: the kernel reports every task frozen.
kernel_frozen ()
{
  if [ "$1" = 1 ]; then
    [ "$(cat "$2/freezer.state")" = FROZEN ]
  else
    [ "$(cat "$2/cgroup.freeze")" = 1 ] && grep -qx 'frozen 1' "$2/cgroup.events"
  fi
}

kernel_thawed ()
{
  if [ "$1" = 1 ]; then
    [ "$(cat "$2/freezer.state")" = THAWED ]
  else
    [ "$(cat "$2/cgroup.freeze")" = 0 ] && grep -qx 'frozen 0' "$2/cgroup.events"
  fi
}

# A container whose processes append to /tmp/count all the time.
start_counter ()
{
  rm -f "$BUNDLE/rootfs/tmp/count"
  set_cmd 'sleep 1000 & while true; do echo x >> /tmp/count; sleep 0.02; done'
  run_detached "$1" || return 1
  wait_until "[ -s '$BUNDLE/rootfs/tmp/count' ]"
}

count_size () { stat -c %s "$BUNDLE/rootfs/tmp/count"; }

# assert_counter_stopped: the counter does not move over half a second.
assert_counter_stopped ()
{
  local a b
  a=$(count_size)
  sleep 0.5
  b=$(count_size)
  [ "$a" = "$b" ] || fail "the container ran while paused: $a -> $b bytes"
}

assert_counter_moves ()
{
  local a
  a=$(count_size)
  wait_until "[ \$(count_size) -gt $a ]" 50 || fail "the container does not run: stuck at $a bytes"
}

# pause_resume_cycle ID VERSION DIR: the whole pause/resume story.
pause_resume_cycle ()
{
  local id=$1 ver=$2 dir=$3

  run sie pause "$id"
  assert_success
  [ -z "$output" ] || fail "pause printed: $output"
  [ "$(container_status "$id")" = paused ]
  run sie list
  assert_output_match "^$id +[0-9]+ +paused "
  kernel_frozen "$ver" "$dir" || fail "the kernel does not report $dir frozen"
  assert_counter_stopped

  run sie resume "$id"
  assert_success
  [ "$(container_status "$id")" = running ]
  kernel_thawed "$ver" "$dir" || fail "the kernel does not report $dir thawed"
  assert_counter_moves
}

@test "pause freezes every process of the container, resume lets them run again" {
  start_counter "$ID"
  read -r ver dir < <(freezer_of "$ID")
  [ -n "$dir" ] || fail "no freezer found for $ID"
  echo "# freezer v$ver: $dir" >&3

  pause_resume_cycle "$ID" "$ver" "$dir"
  # twice: the freezer goes back and forth
  pause_resume_cycle "$ID" "$ver" "$dir"

  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "pause and resume refuse every other state, with a clear error" {
  start_counter "$ID"
  run sie resume "$ID"
  assert_error_line "$ID"
  assert_output_match "cannot resume a container in the running state \(it is not paused\)"

  run sie pause "$ID"
  assert_success
  run sie pause "$ID"
  assert_error_line "$ID"
  assert_output_match "container is already paused"
  [ "$(container_status "$ID")" = paused ]

  # delete without --force keeps a paused container, paused
  run sie delete "$ID"
  assert_error_line "$ID"
  assert_output_match "cannot delete a container in the paused state"
  [ "$(container_status "$ID")" = paused ]

  run sie resume "$ID"
  assert_success
  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  run sie pause "$ID"
  assert_error_line "$ID"
  assert_output_match "cannot pause a container in the stopped state"
  run sie resume "$ID"
  assert_error_line "$ID"
  assert_output_match "cannot resume a container in the stopped state"

  for cmd in pause resume; do
    run sie "$cmd" sietest-missing
    assert_error_line sietest-missing
    assert_output_match "container does not exist"
    run sie "$cmd"
    assert_failure
    assert_output_match "missing ID"
    run sie "$cmd" "$ID" extra
    assert_failure
    assert_output_match "unexpected argument \"extra\""
  done
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "a created container can be paused (as runc); it starts only after resume" {
  set_cmd 'touch /ran; exec sleep 1000'
  run create_container "$ID"
  assert_success
  run sie pause "$ID"
  assert_success
  [ "$(container_status "$ID")" = paused ]
  run sie start "$ID"
  assert_error_line "$ID"
  assert_output_match "cannot start a container in the paused state"
  run sie resume "$ID"
  assert_success
  [ "$(container_status "$ID")" = created ]
  run sie start "$ID"
  assert_success
  wait_for_file "$BUNDLE/rootfs/ran"
  [ "$(container_status "$ID")" = running ]
}

@test "kill KILL stops a paused container, and so does kill --all KILL" {
  start_counter "$ID"
  run sie pause "$ID"
  assert_success
  # other signals stay pending while paused, as with runc
  run sie kill "$ID" TERM
  assert_success
  sleep 0.3
  [ "$(container_status "$ID")" = paused ]
  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped 50
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"

  start_counter "$ID"
  run sie pause "$ID"
  assert_success
  run sie kill --all "$ID" KILL
  assert_success
  wait_status "$ID" stopped 50
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "delete --force removes a paused container and everything it had" {
  start_counter "$ID"
  pid=$(container_pid "$ID")
  run sie pause "$ID"
  assert_success
  SECONDS=0
  run sie delete --force "$ID"
  assert_success
  [ "$SECONDS" -lt 5 ] || fail "delete --force took ${SECONDS}s"
  # gone, or a zombie until whoever inherited it reaps it
  [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status" \
    || fail "the container's process $pid survived"
  assert_no_leftovers "$ID"
}

# stall_task_in DIR: a host process that cannot be frozen, placed in the
# cgroup DIR.  A FUSE mount whose server never answers blocks a lookup
# (inside the filesystem, holding the directory's lock); a mkdir in the
# same directory then waits for that lock uninterruptibly, which neither
# freezer can stop.  Sets FUSE_HOLDER, STALL_PIDS.
stall_task_in ()
{
  local mnt=$TEST_DIR/fuse
  [ -c /dev/fuse ] || skip "no /dev/fuse to make a task that cannot be frozen"
  mkdir -p "$mnt"
  # the holder keeps /dev/fuse open: the mount stays connected, unanswered
  (exec 3<> /dev/fuse && mount -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 sietest "$mnt" \
    && exec sleep 1000) &
  FUSE_HOLDER=$!
  on_teardown "kill $FUSE_HOLDER; umount -l '$mnt'"
  wait_until "grep -q ' $mnt ' /proc/self/mountinfo" 50
  stat "$mnt/lookup" > /dev/null 2>&1 &
  STALL_PIDS=$!
  wait_until "grep -q '^State:.*D' /proc/$STALL_PIDS/status" 50
  mkdir "$mnt/dir" > /dev/null 2>&1 &
  STALL_PIDS="$STALL_PIDS $!"
  wait_until "grep -q '^State:.*D' /proc/$!/status" 50
  echo "$!" > "$1/cgroup.procs"
}

# Aborts the FUSE connection: the stalled processes fail and exit.
release_stall ()
{
  kill "$FUSE_HOLDER"
  wait "$FUSE_HOLDER" $STALL_PIDS 2> /dev/null || true
  umount -l "$TEST_DIR/fuse"
}

# pause_times_out ID VERSION DIR
pause_times_out ()
{
  local id=$1 ver=$2 dir=$3
  stall_task_in "$dir"
  SECONDS=0
  run sie pause "$id"
  release_stall
  assert_error_line "$id"
  if [ "$ver" = 1 ]; then
    assert_output_match "freezer.state still reads FREEZING after 5000 ms"
  else
    assert_output_match "cgroup.events still reads \"frozen 0\" after 5000 ms"
  fi
  [ "$SECONDS" -ge 5 ] && [ "$SECONDS" -lt 10 ] || fail "pause gave up after ${SECONDS}s"
  kernel_thawed "$ver" "$dir" || fail "the failed pause left $dir frozen"
  [ "$(container_status "$id")" = running ]
  assert_counter_moves
}

@test "a freeze that cannot complete is undone: the container keeps running" {
  start_counter "$ID"
  read -r ver dir < <(freezer_of "$ID")
  pause_times_out "$ID" "$ver" "$dir"
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "the cgroup v2 freezer (cgroup.freeze) where no v1 freezer is recorded" {
  start_counter "$ID"
  read -r ver dir < <(freezer_of "$ID")
  [ "$ver" = 1 ] || skip "the host has no v1 freezer: the first test covered cgroup.freeze"
  v2dir=$(awk '$2 == 1 { print $4 }' "$ROOT/$ID/cgroup")
  [ -n "$v2dir" ] || skip "no cgroup2 directory for the container"
  # As on a host without a v1 freezer: the record without its freezer line.
  cp "$ROOT/$ID/cgroup" "$TEST_DIR/cgroup.full"
  grep -vF " $dir" "$TEST_DIR/cgroup.full" > "$ROOT/$ID/cgroup"
  [ "$(freezer_of "$ID")" = "2 $v2dir" ]

  pause_resume_cycle "$ID" 2 "$v2dir"
  [ "$(cat "$dir/freezer.state")" = THAWED ] || fail "the v1 freezer was used"
  pause_times_out "$ID" 2 "$v2dir"

  # A task frozen through cgroup.freeze dies of SIGKILL at once.
  run sie pause "$ID"
  assert_success
  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped 50
  cp "$TEST_DIR/cgroup.full" "$ROOT/$ID/cgroup"
  run sie delete "$ID"
  assert_success
  assert_no_leftovers "$ID"
}
