#!/usr/bin/env bats
# checkpoint and restore with CRIU (make deps provides CRIU >= 4.1 at
# /usr/local/sbin/criu).  Every container counts in memory (a shell
# variable) and writes the count to a file; a restore must go on from the
# count it had, never start again at 1.

load helpers

CRIU=${SIE_CRIU:-/usr/local/sbin/criu}

setup_file ()
{
  compile_helper recvtty
}

setup ()
{
  sie_setup
  [ -x "$CRIU" ] || fail "$CRIU is missing: run make deps"
  "$CRIU" check > "$TEST_DIR/criu-check" 2>&1 ||
    skip "criu check fails on this kernel: $(tail -n 1 "$TEST_DIR/criu-check")"
  IMG=$TEST_DIR/img
  add_mount '{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}'
}

sie () { timeout --foreground -k 5 120 "$SIE" --criu "$CRIU" --root "$ROOT" "$@"; }

# The counter: $i lives only in the shell's memory; /tmp/count shows it.
COUNTER='i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'

count_of () { sie exec "$1" cat /tmp/count; }

# wait_count_above ID N: the counter of ID passes N.
wait_count_above ()
{
  wait_until "[ \"\$(count_of $1 2>/dev/null || echo 0)\" -gt $2 ]" 100 ||
    fail "$1: count stayed at $(count_of "$1" 2>&1), expected more than $2"
}

start_counter ()
{
  set_cmd "$COUNTER"
  run_detached "$ID"
  wait_count_above "$ID" 5
}

checkpoint () { sie checkpoint --image-path "$IMG" "$@"; }
restore_detached () { sie_detached restore -d -b "$BUNDLE" --image-path "$IMG" "$@"; }

@test "checkpoint: a counting container stops, is marked checkpointed, and a restore goes on counting" {
  start_counter
  run checkpoint "$ID"
  assert_success
  [ "$(container_status "$ID")" = stopped ] || fail "status after checkpoint: $(container_status "$ID")"
  [ -e "$ROOT/$ID/checkpointed" ] || fail "not marked checkpointed"
  before=$(cat "$BUNDLE/rootfs/tmp/count" 2> /dev/null || true)
  [ -z "$before" ] || fail "the tmpfs should be gone with the container"
  [ -f "$IMG/inventory.img" ] && [ -f "$IMG/descriptors.json" ] || fail "no images: $(ls "$IMG")"
  run restore_detached "$ID"
  assert_success
  [ "$(container_status "$ID")" = running ]
  n=$(count_of "$ID")
  [ "$n" -gt 5 ] || fail "restored count $n: the counter started again"
  wait_count_above "$ID" "$n"
  assert_cg_holds_pid "$ID"
}

# The restored init is in the cgroup named after the (new) ID, in every
# hierarchy sie manages.
assert_cg_holds_pid ()
{
  local pid d found=0
  pid=$(container_pid "$1")
  for d in $(find /sys/fs/cgroup -maxdepth 7 -type d -name "$1" 2> /dev/null); do
    grep -qx "$pid" "$d/cgroup.procs" || fail "pid $pid is not in $d"
    found=$((found + 1))
  done
  [ "$found" -gt 0 ] || fail "no cgroup named $1"
}

@test "restore: under a new ID, into that ID's new cgroup" {
  start_counter
  run checkpoint "$ID"
  assert_success
  run restore_detached "$ID-new"
  assert_success
  n=$(count_of "$ID-new")
  [ "$n" -gt 5 ] || fail "restored count $n"
  assert_cg_holds_pid "$ID-new"
  [ "$(sie state "$ID-new" | jq -r .id)" = "$ID-new" ]
  sie delete --force "$ID"
  assert_no_leftovers "$ID"
}

@test "checkpoint --leave-running: the original keeps counting; a copy restores beside it" {
  start_counter
  run checkpoint --leave-running "$ID"
  assert_success
  [ "$(container_status "$ID")" = running ]
  [ ! -e "$ROOT/$ID/checkpointed" ] || fail "--leave-running must not mark it checkpointed"
  n=$(count_of "$ID")
  wait_count_above "$ID" "$n"
  run restore_detached "$ID-copy"
  assert_success
  m=$(count_of "$ID-copy")
  [ "$m" -gt 5 ] || fail "copy count $m"
  wait_count_above "$ID-copy" "$m"
}

@test "checkpoint --print-stats and restore --print-stats print CRIU's statistics as JSON" {
  start_counter
  run checkpoint --print-stats "$ID"
  assert_success
  echo "$output" | jq -e '.dump.frozen_time_us > 0 and .dump.pages_written > 0 and .dump.memdump_time_us >= 0' > /dev/null ||
    fail "dump stats: $output"
  # restore's stdout is also the restored container's: the stats land there
  run restore_detached --print-stats "$ID"
  assert_success
  output=$(grep '^{"restore"' "$TEST_DIR/ctr.out")
  echo "$output" | jq -e '.restore.restore_time_us > 0 and .restore.forking_time_us >= 0' > /dev/null ||
    fail "restore stats: $output"
}

@test "restore --console-socket: a terminal container gets a new pty and goes on counting on it" {
  SOCK=$TEST_DIR/console.sock
  update_config '.process.terminal = true'
  set_cmd 'i=0; while :; do i=$((i+1)); echo "n=$i"; echo $i > /tmp/count; sleep 0.05; done'
  "$SIE_TEST_BIN/recvtty" "$SOCK" > "$TEST_DIR/tty1.out" 2>&1 3>&- &
  r1=$!
  on_teardown "kill $r1"
  wait_for_file "$SOCK"
  run run_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_count_above "$ID" 5
  run checkpoint "$ID"
  assert_success
  wait_pid "$r1"
  last=$(tr -d '\r' < "$TEST_DIR/tty1.out" | sed -n 's/^n=//p' | tail -n 1)
  rm -f "$SOCK"
  "$SIE_TEST_BIN/recvtty" "$SOCK" > "$TEST_DIR/tty2.out" 2>&1 3>&- &
  r2=$!
  on_teardown "kill $r2"
  wait_for_file "$SOCK"
  run restore_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_until "[ \$(grep -c '^n=' $TEST_DIR/tty2.out) -gt 3 ]" 100 || fail "no output on the new pty: $(cat "$TEST_DIR/tty2.out")"
  first=$(tr -d '\r' < "$TEST_DIR/tty2.out" | sed -n 's/^n=//p' | head -n 1)
  [ "$first" -gt "$last" ] || fail "the new pty starts at $first, the old one ended at $last"
  [ "$first" -le $((last + 2)) ] || fail "counts were lost: $last then $first"
}

# Two hosts: the container's own netns ("srv", joined by path, so CRIU
# treats it as external) and a client netns, joined by a veth.
make_hosts ()
{
  SRV=$ID-srv
  CLI=$ID-cli
  make_host_pair "$SRV" "$CLI" 10.213.7
}

@test "checkpoint --tcp-established: a client's connection survives, and the server's count goes on" {
  make_hosts
  update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$SRV\""
  printf '#!/bin/sh\ni=0\nwhile read l; do i=$((i+1)); echo $i; done\n' > "$BUNDLE/rootfs/counter.sh"
  chmod +x "$BUNDLE/rootfs/counter.sh"
  ln -sf busybox "$BUNDLE/rootfs/bin/nc"
  set_args nc -l -p 5000 -e /counter.sh
  run run_detached "$ID"
  assert_success
  wait_until "ip netns exec $SRV ss -ltn | grep -q ':5000'" 100 || fail "the server does not listen"
  nsenter --net="/run/netns/$CLI" bash -c '
    exec 3<> /dev/tcp/10.213.7.1/5000 || exit 1
    while :; do echo tick >&3; read -r r <&3 || { echo EOF; exit 1; }; echo "$r"; sleep 0.05; done' \
    > "$TEST_DIR/client.log" 2>&1 3>&- &
  client=$!
  on_teardown "kill $client"
  wait_until "[ \$(wc -l < $TEST_DIR/client.log) -gt 5 ]" 100 || fail "client: $(cat "$TEST_DIR/client.log")"
  run checkpoint --tcp-established "$ID"
  assert_success
  before=$(wc -l < "$TEST_DIR/client.log")
  run restore_detached --tcp-established "$ID"
  assert_success
  wait_until "[ \$(wc -l < $TEST_DIR/client.log) -gt $((before + 10)) ]" 150 ||
    fail "the connection did not resume: $(tail -n 5 "$TEST_DIR/client.log")"
  kill -0 "$client" || fail "the client ended: $(tail -n 3 "$TEST_DIR/client.log")"
  # one connection, one counter: the replies are 1, 2, 3, ... without a gap or a restart
  awk '$0 != NR { print "line " NR ": " $0; bad = 1; exit } END { exit bad }' "$TEST_DIR/client.log" ||
    fail "replies are not consecutive: $(head -n 3 "$TEST_DIR/client.log") ... $(tail -n 3 "$TEST_DIR/client.log")"
}

@test "checkpoint --lazy-pages --page-server: restored on a second host, memory arrives on demand" {
  make_hosts
  # 16 MB of heap that the counter never touches again
  set_cmd "a=\$(head -c 16000000 /dev/zero | tr '\\0' x); $COUNTER"
  run_detached "$ID"
  wait_count_above "$ID" 5
  mkfifo "$TEST_DIR/status"
  # the source host: CRIU's page server listens on 10.213.7.1 in $SRV
  nsenter --net="/run/netns/$SRV" timeout -s KILL 120 "$SIE" --criu "$CRIU" --root "$ROOT" checkpoint \
    --image-path "$IMG" --lazy-pages --page-server 10.213.7.1:27027 --status-fd 3 "$ID" \
    3> "$TEST_DIR/status" > "$TEST_DIR/dump.out" 2>&1 &
  dumper=$!
  on_teardown "kill -9 $dumper"
  timeout 60 head -c 1 "$TEST_DIR/status" > /dev/null || fail "no status-ready byte: $(cat "$TEST_DIR/dump.out")"
  # the destination host: its own root, its own ID (the source still holds its cgroup)
  DST=$TEST_DIR/dst-root
  on_teardown "'$SIE' --root '$DST' delete --force '$ID-dst'"
  nsenter --net="/run/netns/$CLI" timeout -s KILL 60 "$SIE" --criu "$CRIU" --root "$DST" restore -d \
    -b "$BUNDLE" --image-path "$IMG" --work-path "$TEST_DIR/dst-work" --lazy-pages \
    --page-server 10.213.7.1:27027 "$ID-dst" < /dev/null >> "$TEST_DIR/ctr.out" 2> "$TEST_DIR/restore.err" 3>&-
  [ $? -eq 0 ] || fail "restore: $(cat "$TEST_DIR/restore.err")"
  wait_pid "$dumper"
  [ "$status" -eq 0 ] || fail "checkpoint: $(cat "$TEST_DIR/dump.out")"
  grep -q "#PF at" "$TEST_DIR/dst-work/lazy-pages.log" || fail "no page fault was served on demand"
  n=$("$SIE" --root "$DST" exec "$ID-dst" cat /tmp/count)
  [ "$n" -gt 5 ] || fail "restored count $n: the counter started again"
  wait_until "[ \$('$SIE' --root '$DST' exec '$ID-dst' cat /tmp/count) -gt $n ]" 100 || fail "the restored counter is stuck"
  # all of the heap arrived: the restored shell holds its 16 MB again
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$("$SIE" --root "$DST" state "$ID-dst" | jq .pid)/status")
  [ "$rss" -gt 16000 ] || fail "the restored init has $rss kB resident, expected its 16 MB heap"
  [ "$(container_status "$ID")" = stopped ] || fail "the source still runs"
  "$SIE" --root "$DST" delete --force "$ID-dst"
}

@test "checkpoint --pre-dump: refused up front without soft-dirty tracking" {
  start_counter
  if "$CRIU" check --feature mem_dirty_track > /dev/null 2>&1; then
    run checkpoint --pre-dump "$ID"
    assert_success
    [ "$(container_status "$ID")" = running ]
    return
  fi
  run checkpoint --pre-dump "$ID"
  assert_error_line "$ID"
  assert_output_match "soft-dirty"
  [ "$(container_status "$ID")" = running ] || fail "the container must keep running"
  [ ! -e "$IMG/inventory.img" ] || fail "a refused pre-dump wrote images"
}

@test "checkpoint: a missing CRIU is named, and the container keeps running" {
  start_counter
  run "$SIE" --criu /nonexistent/criu --root "$ROOT" checkpoint --image-path "$IMG" "$ID"
  assert_error_line "$ID"
  assert_output_match "/nonexistent/criu not found"
  [ "$(container_status "$ID")" = running ]
  n=$(count_of "$ID")
  wait_count_above "$ID" "$n"
}

@test "restore: a bad image directory fails naming it, and leaves nothing" {
  mkdir -p "$IMG"
  echo junk > "$IMG/inventory.img"
  run sie restore -d -b "$BUNDLE" --image-path "$TEST_DIR/none" "$ID" < /dev/null
  assert_error_line "$ID"
  assert_output_match "--image-path $TEST_DIR/none: not a CRIU image directory"
  assert_no_leftovers "$ID"
  run sie restore -d -b "$BUNDLE" --image-path "$IMG" "$ID" < /dev/null
  assert_error_line "$ID"
  assert_output_match "criu restore failed: .*log: $IMG/restore.log"
  assert_no_leftovers "$ID"
}

@test "restore: over an existing running container is refused, and both stay as they were" {
  start_counter
  run checkpoint --leave-running "$ID"
  assert_success
  pid=$(container_pid "$ID")
  run sie restore -d -b "$BUNDLE" --image-path "$IMG" "$ID" < /dev/null
  assert_error_line "$ID"
  assert_output_match "exists"
  [ "$(container_pid "$ID")" = "$pid" ] && [ "$(container_status "$ID")" = running ]
}

@test "checkpoint killed mid-dump: the container goes on running, unfrozen" {
  # enough memory that the dump takes a moment
  set_cmd "head -c 400000000 /dev/urandom > /tmp/blob; $COUNTER"
  run_detached "$ID"
  wait_until "[ \"\$(sie exec $ID cat /tmp/count 2>/dev/null || echo 0)\" -gt 2 ]" 300 || fail "the counter never started"
  "$SIE" --criu "$CRIU" --root "$ROOT" checkpoint --image-path "$IMG" "$ID" > "$TEST_DIR/dump.out" 2>&1 &
  dumper=$!
  wait_until "grep -q 'Dumping path for' $IMG/dump.log 2>/dev/null || grep -q 'pagemap' $IMG/dump.log 2>/dev/null" 200 ||
    fail "the dump never started: $(tail -n 3 "$IMG/dump.log" 2>&1)"
  kill -9 "$dumper"
  wait "$dumper" 2> /dev/null || true
  # CRIU's next notification finds sie gone, and CRIU undoes the dump
  wait_until "! pgrep -x criu > /dev/null" 300 || fail "criu still running"
  [ "$(container_status "$ID")" = running ] || fail "status $(container_status "$ID")"
  grep -q THAWED "$(find /sys/fs/cgroup/freezer -maxdepth 6 -type d -name "$ID")/freezer.state" 2> /dev/null ||
    [ ! -d /sys/fs/cgroup/freezer ] || fail "left frozen"
  n=$(count_of "$ID")
  wait_count_above "$ID" "$n"
}

@test "delete --force after a crashed restore unmounts its root bind; no mount's contents are ever deleted" {
  set_args sleep 100
  create_container "$ID"
  # what a restore killed mid-way leaves: the rootfs bound in the state dir
  mkdir "$ROOT/$ID/criu-root"
  mount --bind "$BUNDLE/rootfs" "$ROOT/$ID/criu-root"
  run sie delete --force "$ID"
  assert_success
  [ -x "$BUNDLE/rootfs/bin/busybox" ] || fail "the rootfs lost its files"
  assert_no_leftovers "$ID"
  # any other mount in a state dir is refused, never emptied
  create_container "$ID"
  mkdir -p "$TEST_DIR/keep" "$ROOT/$ID/other"
  touch "$TEST_DIR/keep/file"
  mount --bind "$TEST_DIR/keep" "$ROOT/$ID/other"
  on_teardown "umount -l '$ROOT/$ID/other'"
  run sie delete --force "$ID"
  assert_error_line "$ID"
  assert_output_match "a mount point"
  [ -e "$TEST_DIR/keep/file" ] || fail "a mount's contents were deleted"
  umount "$ROOT/$ID/other"
  run sie delete --force "$ID"
  assert_success
}
