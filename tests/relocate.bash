# Shared by the relocation suites: two "hosts" on this machine, network
# namespaces A and B joined by a veth, each with its own sie root; B runs
# `sie serve` in its own cgroup subtree (a host of its own has its own
# cgroup tree).  The container counts in memory; after a move it must go on
# from its count.

CRIU=${SIE_CRIU:-/usr/local/sbin/criu}

relocate_setup ()
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
  DAEMON_PREFIX=(env)
}

# The destination daemon, in B's network and a cgroup subtree of its own;
# DAEMON_PREFIX (an array) runs it through a wrapper, such as a mount
# namespace that gives host B a different view of some files.
start_daemon ()
{
  nsenter --net="/run/netns/$HB" "${DAEMON_PREFIX[@]}" "$SIE" --root "$DST" serve --listen "$DEST" --auth-file "$SECRET" "$@" \
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

# make_lan: the two hosts' link becomes a switched LAN: on each host a
# bridge br0 with the uplink as a port and the host's address, and a client
# host C (10.213.9.9) on A's bridge.
make_lan ()
{
  local h n
  for h in "$HA" "$HB"; do
    [ "$h" = "$HA" ] && n=1 || n=2
    ip -n "$h" link add br0 type bridge
    ip -n "$h" addr del "10.213.9.$n/24" dev eth0
    ip -n "$h" link set eth0 master br0
    ip -n "$h" addr add "10.213.9.$n/24" dev br0
    ip -n "$h" link set br0 up
  done
  HC=$ID-c
  ip netns add "$HC"
  on_teardown "ip netns del $HC"
  ip -n "$HA" link add cl0 type veth peer name eth0 netns "$HC"
  ip -n "$HA" link set cl0 master br0 up
  ip -n "$HC" addr add 10.213.9.9/24 dev eth0
  ip -n "$HC" link set eth0 up
  ip -n "$HC" link set lo up
}

# tcp_counter_container: a container on host A with a network namespace of
# its own and a veth (10.213.9.50, its outer end on A's bridge); it counts,
# and answers each line on TCP port 7000 with its count.
tcp_counter_container ()
{
  ip -n "$HA" link add vc0 type veth peer name vh0
  ip -n "$HA" link set vh0 master br0 up
  ip -n "$HA" addr add 10.213.9.50/24 dev vc0
  ip -n "$HA" link set vc0 up
  ln -sf busybox "$BUNDLE/rootfs/bin/nc"
  update_config '.linux.netDevices = {"vc0": {"name": "eth0"}}'
  set_cmd 'nc -l -p 7000 -e sh -c "while read l; do cat /tmp/count; done" & i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
  nsenter --net="/run/netns/$HA" "$SIE" --root "$ROOT" run -d -b "$BUNDLE" "$ID" < /dev/null > /dev/null 2>&1 3>&- ||
    fail "the container did not start"
  wait_until "[ \"\$(count_at '$ROOT' 2>/dev/null || echo 0)\" -gt 5 ]" 100 || fail "the counter never started"
}

# client_connect: one TCP connection from host C, kept open; client_ask
# sends a line and prints the answer (the container's count).
client_connect ()
{
  mkfifo "$TEST_DIR/ask"
  : > "$TEST_DIR/answers"
  nsenter --net="/run/netns/$HC" bash -c '
    exec 3<>/dev/tcp/10.213.9.50/7000 || exit 1
    while read -r q < "$1"; do
      echo "$q" >&3
      read -r -t 20 n <&3 || { echo lost >> "$2"; exit 1; }
      echo "$n" >> "$2"
    done' _ "$TEST_DIR/ask" "$TEST_DIR/answers" < /dev/null > /dev/null 2>&1 3>&- &
  CLIENT=$!
  on_teardown "kill $CLIENT"
}

client_ask ()
{
  local before
  before=$(wc -l < "$TEST_DIR/answers")
  echo q > "$TEST_DIR/ask"
  wait_until "[ \$(wc -l < '$TEST_DIR/answers') -gt $before ]" 300 || { echo none; return 1; }
  tail -n 1 "$TEST_DIR/answers"
}
