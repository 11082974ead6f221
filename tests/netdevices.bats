#!/usr/bin/env bats
# linux.netDevices: host interfaces moved into the container, renamed, with
# their addresses, and back on the host at delete as they were.
#
# sie runs inside a fixture network namespace $H (nsenter --net), which plays
# the host: the machine's own interfaces are never touched.  The device is one
# end of a veth pair whose other end sits in a peer namespace $P, so traffic
# through the moved device can be checked with ping.  Every error path is
# checked by comparing $H's links, addresses and routes before and after.

load helpers

setup ()
{
  sie_setup
  H=$(host_name h)
  P=$(host_name p)
  # Unique names: should a crashed run's container ever be deleted from the
  # real host namespace, sie refuses (wrong namespace), and no name clashes.
  DEV=sx${ID: -6}
  ip netns add "$H"
  ip netns add "$P"
  ip -n "$H" link set lo up
  ip -n "$P" link set lo up
  ip -n "$H" link add "$DEV" type veth peer name peer1 netns "$P"
  ip -n "$H" addr add 10.201.0.2/24 dev "$DEV"
  ip -n "$H" addr add fd00:201::2/64 dev "$DEV" nodad
  ip -n "$H" link set "$DEV" up
  ip -n "$P" addr add 10.201.0.1/24 dev peer1
  ip -n "$P" link set peer1 up
  ln -s busybox "$BUNDLE/rootfs/bin/ping"
  update_config '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
  BEFORE=$(host_state "$H")
}

teardown ()
{
  local d
  # Containers go from inside $H, where their devices came from.
  for d in "$ROOT"/*/; do
    [ -d "$d" ] && hsie delete --force "$(basename "$d")" > /dev/null 2>&1
  done
  ip netns del "$P" 2> /dev/null
  ip netns del "$H" 2> /dev/null
  [ -z "${C:-}" ] || ip netns del "$C" 2> /dev/null
  sie_teardown
}

hsie ()
{
  nsenter --net="/run/netns/$H" timeout --foreground -k 5 "$SIE_CMD_TIMEOUT" "$SIE" --root "$ROOT" "$@"
}

# create in $H, the container's stdio to files (see sie_detached).
hsie_create ()
{
  hsie create -b "$BUNDLE" "$@" < /dev/null >> "$TEST_DIR/ctr.out" 2>> "$TEST_DIR/ctr.err" 3>&-
}

# Links (name, mtu, MAC, UP), addresses (not link-local) and routes of a
# namespace, in a form that survives a trip into a container and back.
host_state ()
{
  ip -j -n "$1" link | jq -c '.[] | {ifname, mtu, address, up: (.flags | index("UP") != null)}'
  ip -j -n "$1" addr | jq -c '.[] | {ifname, a: [.addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"]}'
  ip -n "$1" -4 route
  ip -n "$1" -6 route | grep -v '^fe80' || true
}

assert_host_unchanged ()
{
  local now
  # The kernel brings the peer's carrier and the prefix routes back
  # asynchronously; give them a moment.
  wait_until '[ "$(host_state "$H")" = "$BEFORE" ]' 30 || true
  now=$(host_state "$H")
  [ "$now" = "$BEFORE" ] || fail "host namespace changed" "before:" "$BEFORE" "after:" "$now"
}

net_devices () { update_config ".linux.netDevices = $1"; }

@test "netDevices: moved in renamed, addresses kept, up, carries traffic; back at delete as it was" {
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_args sleep 100
  run hsie_create "$ID"
  assert_success
  pid=$(hsie state "$ID" | jq -r .pid)
  # Gone from the host, inside under its new name, with both addresses, up.
  ! ip -n "$H" link show "$DEV" 2> /dev/null || fail "$DEV is still on the host"
  run nsenter -t "$pid" -n ip -o addr show dev ctr1
  assert_success
  assert_output_match 'inet 10\.201\.0\.2/24 .*scope global'
  assert_output_match 'inet6 fd00:201::2/64 scope global'
  run nsenter -t "$pid" -n ip -o link show ctr1
  assert_output_match '<[^>]*\bUP\b'
  run nsenter -t "$pid" -n busybox ping -c 1 -W 2 10.201.0.1
  assert_success
  # Journal and namespace pin in the state directory.
  grep -q "^dev $DEV ctr1 " "$ROOT/$ID/netdevices"
  [ "$(stat -f -c %T "$ROOT/$ID/netns")" = nsfs ]

  run hsie delete --force "$ID"
  assert_success
  assert_host_unchanged
  ip netns exec "$H" busybox ping -c 1 -W 2 10.201.0.1
  assert_no_leftovers "$ID"
}

@test "netDevices: without a name the host name is kept; run in the foreground brings it back" {
  net_devices "{\"$DEV\": {}}"
  set_cmd "ip -o addr show dev $DEV; ping -c 1 -W 2 10.201.0.1"
  run hsie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match "$DEV +inet 10\.201\.0\.2/24"
  assert_output_match '1 packets received'
  assert_host_unchanged
  assert_no_leftovers "$ID"
}

@test "netDevices: a container that exited keeps its devices until delete" {
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_args true
  run hsie_create "$ID"
  assert_success
  run hsie start "$ID"
  assert_success
  wait_until '[ "$(hsie state "$ID" | jq -r .status)" = stopped ]'
  # The namespace is pinned: the veth did not die with the container.
  ! ip -n "$H" link show "$DEV" 2> /dev/null || fail "$DEV came back before delete"
  ip -n "$P" link show peer1 > /dev/null
  run hsie delete "$ID"
  assert_success
  assert_host_unchanged
}

@test "netDevices: a device that was down on the host comes back down" {
  ip -n "$H" link set "$DEV" down
  BEFORE=$(host_state "$H")
  net_devices "{\"$DEV\": {}}"
  set_cmd "ip -o link show $DEV"
  run hsie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '<[^>]*\bUP\b'
  assert_host_unchanged
}

@test "netDevices: into a joined network namespace, and back" {
  C=$(host_name c)
  ip netns add "$C"
  update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$C\""
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_args sleep 100
  run hsie_create "$ID"
  assert_success
  run ip -n "$C" -o addr show dev ctr1
  assert_output_match 'inet 10\.201\.0\.2/24'
  run hsie delete --force "$ID"
  assert_success
  ! ip -n "$C" link show ctr1 2> /dev/null || fail "ctr1 stayed in $C"
  assert_host_unchanged
}

@test "netDevices: a container with a user namespace" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_cmd 'ip -o addr show dev ctr1; ping -c 1 -W 2 10.201.0.1'
  run hsie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'ctr1 +inet 10\.201\.0\.2/24'
  assert_output_match '1 packets received'
  assert_host_unchanged
}

@test "netDevices: delete --force after a create that crashed with the device inside" {
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"]}]'
  set_args sleep 100
  nsenter --net="/run/netns/$H" "$SIE" --root "$ROOT" create -b "$BUNDLE" "$ID" \
    < /dev/null > /dev/null 2>&1 3>&- &
  creator=$!
  # The move happens before the hooks run: wait for it, then crash.
  wait_until "! ip -n $H link show $DEV > /dev/null 2>&1"
  kill -9 "$creator"
  wait "$creator" || true
  [ -f "$ROOT/$ID/netdevices" ]
  run hsie delete --force "$ID"
  assert_success
  assert_host_unchanged
  assert_no_leftovers "$ID"
}

@test "netDevices: a failure after the move (no such executable) puts the device back" {
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_args /nonexistent
  run hsie --debug run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output_match "^sie: $ID: .*/nonexistent"
  # It did move, and the rollback brought it back.
  assert_output_match "netDevices: moving $DEV in as ctr1"
  assert_output_match "netDevices: moving ctr1 back as $DEV"
  assert_host_unchanged
  assert_no_leftovers "$ID"
}

@test "netDevices: a failing createRuntime hook puts the device back" {
  net_devices "{\"$DEV\": {}}"
  update_config '.hooks.createRuntime = [{"path": "/bin/false"}]'
  run hsie --debug run -b "$BUNDLE" "$ID"
  assert_failure
  assert_output_match "^sie: $ID: .*createRuntime"
  assert_output_match "netDevices: moving $DEV back as $DEV"
  assert_host_unchanged
  assert_no_leftovers "$ID"
}

@test "netDevices: a missing device is an error, the others stay where they are" {
  net_devices "{\"$DEV\": {}, \"nosuch0\": {}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'linux\.netDevices\.nosuch0: no such interface in sie.s network namespace'
  assert_host_unchanged
  assert_no_leftovers "$ID"
}

@test "netDevices: a name taken inside is an error" {
  C=$(host_name c)
  ip netns add "$C"
  ip -n "$C" link add ctr1 type veth peer name ctr1p
  CBEFORE=$(host_state "$C")
  update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$C\""
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "linux\.netDevices\.$DEV: the name ctr1 is taken in the container's network namespace"
  assert_host_unchanged
  [ "$(host_state "$C")" = "$CBEFORE" ] || fail "the joined namespace changed"
  assert_no_leftovers "$ID"
}

@test "netDevices: lo as the new name clashes in a new namespace" {
  net_devices "{\"$DEV\": {\"name\": \"lo\"}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'the name lo is taken'
  assert_host_unchanged
}

@test "netDevices: two devices with one name inside is an error" {
  ip -n "$H" link add sy${ID: -6} type veth peer name peer2 netns "$P"
  BEFORE=$(host_state "$H")
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}, \"sy${ID: -6}\": {\"name\": \"ctr1\"}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'the name ctr1 is also the one of linux\.netDevices\.'
  assert_host_unchanged
}

@test "netDevices: a port of a bridge is in use" {
  ip -n "$H" link add br0 type bridge
  ip -n "$H" link set "$DEV" master br0
  BEFORE=$(host_state "$H")
  net_devices "{\"$DEV\": {}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "linux\.netDevices\.$DEV: in use: it is a port of br0"
  assert_host_unchanged
  ip -n "$H" -o link show "$DEV" | grep -q 'master br0'
}

@test "netDevices: the loopback cannot move" {
  net_devices '{"lo": {"name": "lo2"}}'
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'linux\.netDevices\.lo: the loopback interface cannot move'
  assert_host_unchanged
}

@test "netDevices: without a network namespace of its own is an error" {
  update_config 'del(.linux.namespaces[] | select(.type == "network"))'
  net_devices "{\"$DEV\": {}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'linux\.netDevices: the container has no network namespace of its own'
  assert_host_unchanged
}

@test "netDevices: joining sie's own network namespace is an error" {
  update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$H\""
  net_devices "{\"$DEV\": {}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "the network namespace to join is sie's own"
  assert_host_unchanged
}

@test "netDevices: invalid names are errors" {
  net_devices '{"averyveryverylongname": {}}'
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'linux\.netDevices: "averyveryverylongname": not a valid interface name'
  net_devices "{\"$DEV\": {\"name\": \"a/b\"}}"
  run hsie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match "linux\.netDevices\.$DEV\.name: \"a/b\": not a valid interface name"
  assert_host_unchanged
}

@test "netDevices: a %d template lets the kernel pick the name, and it comes back" {
  net_devices "{\"$DEV\": {\"name\": \"net%d\"}}"
  set_args sleep 100
  run hsie_create "$ID"
  assert_success
  pid=$(hsie state "$ID" | jq -r .pid)
  run nsenter -t "$pid" -n ip -o addr show dev net0
  assert_output_match 'inet 10\.201\.0\.2/24'
  grep -q "^dev $DEV net0 " "$ROOT/$ID/netdevices"
  run hsie delete --force "$ID"
  assert_success
  assert_host_unchanged
}

@test "netDevices: delete from another network namespace refuses to move the devices there" {
  net_devices "{\"$DEV\": {\"name\": \"ctr1\"}}"
  set_args sleep 100
  run hsie_create "$ID"
  assert_success
  run nsenter --net="/run/netns/$P" "$SIE" --root "$ROOT" delete --force "$ID"
  assert_success
  [[ "$output" == *"sie runs in another network namespace than the one the devices came from"* ]] \
    || fail "no warning: $output"
  ! ip -n "$P" link show "$DEV" 2> /dev/null || fail "$DEV landed in the wrong namespace"
  ! ip -n "$P" link show ctr1 2> /dev/null || fail "ctr1 landed in the wrong namespace"
  assert_no_leftovers "$ID"
}
