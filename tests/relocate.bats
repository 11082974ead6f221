#!/usr/bin/env bats
# sie relocate between two hosts on this machine: network namespaces A and
# B joined by a veth, each with its own sie root; B runs `sie serve` in its
# own cgroup subtree (a host of its own has its own cgroup tree).  The
# container counts in memory; after a move it must go on from its count.

load helpers

CRIU=${SIE_CRIU:-/usr/local/sbin/criu}

setup ()
{
  sie_setup
  [ -x "$CRIU" ] || fail "$CRIU is missing: run make deps"
  export PATH="/usr/local/sbin:$PATH"
  add_mount '{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}'
  set_cmd 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
  HA=$ID-a
  HB=$ID-b
  make_host_pair "$HA" "$HB" 10.213.9
  SECRET=$TEST_DIR/secret
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$SECRET"
  chmod 600 "$SECRET"
  DST=$TEST_DIR/dst-root
  DEST=10.213.9.2:27200
}

# The destination daemon, in B's network and a cgroup subtree of its own.
start_daemon ()
{
  nsenter --net="/run/netns/$HB" "$SIE" --root "$DST" serve --listen "$DEST" --auth-file "$SECRET" "$@" \
    < /dev/null > "$TEST_DIR/serve.log" 2>&1 3>&- &
  DAEMON=$!
  on_teardown "kill -9 $DAEMON; pkill -9 -P $DAEMON; '$SIE' --root '$DST' delete --force '$ID'"
  move_to_own_cgroup "$DAEMON" "$ID-hostb"
  wait_until "ip netns exec $HB ss -ltn | grep -q ':27200'" 100 || fail "the daemon does not listen: $(cat "$TEST_DIR/serve.log")"
}

# move_to_own_cgroup PID NAME: a child cgroup NAME of ours in every hierarchy.
move_to_own_cgroup ()
{
  local ctrl path mnt d
  while IFS=: read -r _ ctrl path; do
    if [ -z "$ctrl" ]; then mnt=/sys/fs/cgroup/unified; [ -d "$mnt" ] || mnt=/sys/fs/cgroup; else mnt=/sys/fs/cgroup/${ctrl#name=}; fi
    [ -d "$mnt$path" ] || continue
    d=$mnt${path%/}/$2
    mkdir -p "$d"
    on_teardown "rmdir '$d'"
    if [ -f "$d/cpuset.cpus" ]; then
      cat "$mnt$path/cpuset.cpus" > "$d/cpuset.cpus"
      cat "$mnt$path/cpuset.mems" > "$d/cpuset.mems"
    fi
    echo "$1" > "$d/cgroup.procs"
  done < /proc/self/cgroup
}

relocate () { nsenter --net="/run/netns/$HA" timeout -s KILL 120 "$SIE" --criu "$CRIU" --root "$ROOT" relocate --auth-file "$SECRET" "$@"; }
count_at () { "$SIE" --root "$1" exec "$ID" cat /tmp/count; }

start_counter ()
{
  run_detached "$ID"
  wait_until "[ \"\$(count_at '$ROOT' 2>/dev/null || echo 0)\" -gt 5 ]" 100 || fail "the counter never started"
}

assert_moved ()
{
  local n
  [ ! -e "$ROOT/$ID" ] || fail "the source still has $ID"
  n=$(count_at "$DST")
  [ "$n" -gt 5 ] || fail "the count at the destination is $n: the counter started again"
  wait_until "[ \$(count_at '$DST') -gt $n ]" 100 || fail "the counter is stuck at the destination"
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "completed" and .frozen_us > 0' > /dev/null ||
    fail "log: $(tail -n 1 "$ROOT/relocate.log")"
}

assert_still_here ()
{
  local n
  [ "$(container_status "$ID")" = running ] || fail "the source is $(container_status "$ID")"
  n=$(count_at "$ROOT")
  wait_until "[ \$(count_at '$ROOT') -gt $n ]" 100 || fail "the source's counter is stuck"
  [ ! -e "$DST/$ID" ] || fail "the destination kept $ID"
}

@test "relocate --mode stop-copy: the counter goes on at the destination; nothing is left at the source" {
  start_daemon
  start_counter
  run relocate --mode stop-copy "$ID" "$DEST"
  assert_success
  assert_output_match "completed: $ID moved to $DEST"
  assert_moved
}

@test "relocate --mode post-copy: restored at once, memory pulled from the source's page server" {
  start_daemon
  start_counter
  run relocate --mode post-copy "$ID" "$DEST"
  assert_success
  assert_moved
  tail -n 1 "$ROOT/relocate.log" | jq -e '.mode == "post-copy"' > /dev/null
}

@test "relocate --test: eligible, and nothing moves" {
  start_daemon
  start_counter
  run relocate --test "$ID" "$DEST"
  assert_success
  assert_output_match "eligible: $ID can move to $DEST"
  assert_still_here
}

@test "relocate --test: an ID already taken at the destination is that exact violation" {
  start_daemon
  start_counter
  run_detached --root "$DST" "$ID" 2> /dev/null || "$SIE" --root "$DST" run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1
  [ -e "$DST/$ID" ] || fail "could not take the ID at the destination"
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: id: container ID $ID is already in use here"
  [ "$(container_status "$ID")" = running ]
  "$SIE" --root "$DST" delete --force "$ID"
}

@test "relocate: a wrong secret is refused, and nothing moves" {
  start_daemon
  start_counter
  printf 'not-the-secret\n' > "$TEST_DIR/wrong"
  chmod 600 "$TEST_DIR/wrong"
  run nsenter --net="/run/netns/$HA" "$SIE" --criu "$CRIU" --root "$ROOT" relocate --auth-file "$TEST_DIR/wrong" "$ID" "$DEST"
  assert_failure
  assert_output_match "authentication failed"
  assert_still_here
}

@test "relocate --max-quiesce 1ms: aborted, and the source keeps running" {
  start_daemon
  start_counter
  run relocate --mode stop-copy --max-quiesce 1ms "$ID" "$DEST"
  assert_failure
  assert_output_match "max-quiesce exceeded"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "max-quiesce exceeded"' > /dev/null
}

@test "relocate --cancel mid-relocation: the source keeps running, the destination is clean" {
  start_daemon
  # enough memory that the dump takes a moment
  set_cmd "a=\$(head -c 200000000 /dev/zero | tr '\\0' x); i=0; while :; do i=\$((i+1)); echo \$i > /tmp/count; sleep 0.05; done"
  run_detached "$ID"
  wait_until "[ \"\$(count_at '$ROOT' 2>/dev/null || echo 0)\" -gt 2 ]" 600 || fail "the counter never started"
  relocate --mode stop-copy "$ID" "$DEST" > "$TEST_DIR/reloc.out" 2>&1 &
  mover=$!
  wait_until "'$SIE' --root '$ROOT' relocate --status '$ID' 2>/dev/null | grep -qE 'dump|transfer'" 200 ||
    fail "never saw the relocation in progress: $(cat "$TEST_DIR/reloc.out")"
  run "$SIE" --root "$ROOT" relocate --cancel "$ID"
  assert_success
  wait "$mover" || true
  grep -q "cancelled" "$TEST_DIR/reloc.out" || fail "$(cat "$TEST_DIR/reloc.out")"
  assert_still_here
}

@test "relocate: bad input is one clear line" {
  run "$SIE" --root "$ROOT" relocate "$ID" 127.0.0.1:1
  assert_error_line "$ID"
  assert_output_match "--auth-file"
  run "$SIE" --root "$ROOT" relocate --max-quiesce 5 --auth-file "$SECRET" "$ID" 127.0.0.1:1
  assert_failure
  assert_output_match "--max-quiesce 5"
  chmod 644 "$SECRET"
  run "$SIE" --root "$ROOT" serve --listen 127.0.0.1:0 --auth-file "$SECRET"
  assert_failure
  assert_output_match "readable by group or others"
}
