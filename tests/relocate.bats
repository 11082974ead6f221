#!/usr/bin/env bats
# sie relocate between two hosts on this machine (tests/relocate.bash).

load helpers
load relocate

setup () { relocate_setup; }

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

tcp_move ()
{
  local a b
  make_lan
  start_daemon --bridge br0
  tcp_counter_container
  client_connect
  a=$(client_ask) || fail "no answer before the move"
  [ "$a" -gt 0 ] || fail "answer before the move: $a"
  run relocate --tcp-established --mode "$1" "$ID" "$DEST"
  assert_success
  b=$(client_ask) || fail "the connection did not survive the move: $(cat "$TEST_DIR/answers")"
  [ "$b" -gt "$a" ] || fail "the count went from $a to $b"
  assert_moved
  ip -n "$HB" -o link show master br0 | grep -q 'sie[0-9a-f]\{8\}' || fail "no port for the container on B's bridge"
  ! ip -n "$HA" link show vc0 2> /dev/null || fail "the source brought vc0 back"
}

@test "relocate --tcp-established --mode stop-copy: a client's connection survives, the count goes on" {
  tcp_move stop-copy
}

@test "relocate --tcp-established --mode post-copy: a client's connection survives, the count goes on" {
  tcp_move post-copy
}

@test "relocate --test: the network checks name a missing bridge and an address already in use" {
  make_lan
  start_daemon
  tcp_counter_container
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: network: the container's veth eth0 needs a bridge here"
  kill -9 "$DAEMON"
  wait_until "! ip netns exec $HB ss -ltn | grep -q ':27200'" 100
  start_daemon --bridge br0
  ip -n "$HB" addr add 10.213.9.50/32 dev lo
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: network: address 10.213.9.50/24 is already in use here"
  ip -n "$HB" addr del 10.213.9.50/32 dev lo
  run relocate --test "$ID" "$DEST"
  assert_success
  assert_still_here
}

@test "relocate --test: a different rootfs at the destination is that exact violation" {
  # host B sees another tree at the same path: its own mount namespace
  cp -a "$BUNDLE/rootfs" "$TEST_DIR/other-rootfs"
  echo changed > "$TEST_DIR/other-rootfs/etc/motd"
  DAEMON_PREFIX=(unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    _ "$TEST_DIR/other-rootfs" "$BUNDLE/rootfs")
  start_daemon
  start_counter
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: rootfs: $BUNDLE/rootfs differs here"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "eligibility violation" and .test' > /dev/null
}

@test "relocate --test --mode pre-copy: this kernel's missing soft-dirty tracking is the violation" {
  "$CRIU" check --feature mem_dirty_track > /dev/null 2>&1 && skip "this kernel tracks soft-dirty pages: the refusal cannot be shown"
  start_daemon
  start_counter
  run relocate --test --mode pre-copy "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: pre-copy: this kernel has no soft-dirty memory tracking"
  assert_still_here
}

@test "relocate --copy-rootfs: host B has no such rootfs; the tree goes along, and the count goes on" {
  # host B's view of the bundle: an empty directory at the rootfs path
  mkdir "$TEST_DIR/empty"
  DAEMON_PREFIX=(unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    _ "$TEST_DIR/empty" "$BUNDLE/rootfs")
  start_daemon
  start_counter
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: rootfs: $BUNDLE/rootfs differs here"
  run relocate --mode stop-copy --copy-rootfs "$ID" "$DEST"
  assert_success
  assert_moved
  bundle=$("$SIE" --root "$DST" state "$ID" | jq -r .bundle)
  [ -d "$bundle/rootfs" ] && [ ! -L "$bundle/rootfs" ] || fail "no copied rootfs in $bundle"
  cmp "$BUNDLE/rootfs/bin/busybox" "$bundle/rootfs/bin/busybox" || fail "busybox differs in the copy"
  "$SIE" --root "$DST" delete --force "$ID"
  [ ! -e "$bundle" ] || fail "delete left the copied bundle $bundle"
}

@test "relocate --mode post-copy: a restore that fails at the destination leaves the source running, without a hang" {
  # host B's CRIU cannot start its lazy-pages daemon, so its restore fails
  # after the source's page server is already waiting for a client
  mkdir "$TEST_DIR/bin"
  printf '#!/bin/sh\n[ "$1" = lazy-pages ] && exit 1\nexec %s "$@"\n' "$CRIU" > "$TEST_DIR/bin/criu"
  chmod +x "$TEST_DIR/bin/criu"
  DAEMON_PREFIX=(env PATH="$TEST_DIR/bin:$PATH")
  start_daemon
  start_counter
  SECONDS=0
  run relocate --mode post-copy "$ID" "$DEST"
  assert_failure
  assert_output_match "lazy-pages"
  [ "$SECONDS" -lt 60 ] || fail "took $SECONDS s"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result != "completed"' > /dev/null
}
