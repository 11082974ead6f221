#!/usr/bin/env bats
# The micro-VM network bridge (netns/tcbridge.c), Kata's tc-filter model,
# driven by tests/tap_reader, which links sie's netns/ code.
#
# Fixtures: $A plays the container's network namespace, with vc, one end of
# a veth pair whose other end vp sits in the peer namespace $P.  For the
# traffic tests tap_reader plays the VMM: it copies frames between the
# bridge's tap in $A and a tap gt0 in $G, the "guest", which the test
# configures from the description the bridge returns (MAC, MTU, addresses,
# routes).  So a ping or a TCP connection from $P reaches $G only through
# vc's ingress filter, the tap, tap_reader, and back.

load helpers

setup_file () { build_tap_reader; }

setup ()
{
  sie_setup
  TAP_READER=$SIE_TEST_BIN/tap_reader
  A=$(host_name a)
  P=$(host_name p)
  G=$(host_name g)
  for ns in "$A" "$P" "$G"; do
    ip netns add "$ns"
    on_teardown "ip netns del $ns"
    ip -n "$ns" link set lo up
  done
  ip -n "$A" link add vc mtu 1400 type veth peer name vp mtu 1400 netns "$P"
  ip -n "$A" addr add 10.202.0.2/24 dev vc
  ip -n "$A" addr add fd00:202::2/64 dev vc nodad
  ip -n "$A" link set vc up
  ip -n "$A" route add default via 10.202.0.1
  ip -n "$A" route add 10.99.0.0/16 via 10.202.0.1
  ip -n "$P" addr add 10.202.0.1/24 dev vp
  ip -n "$P" link set vp up
  READER_PID=
}

teardown ()
{
  if [ -n "$READER_PID" ]; then
    kill -TERM "$READER_PID" 2> /dev/null
    wait "$READER_PID" 2> /dev/null
  fi
  sie_teardown
}

# Links (no counters, no carrier), addresses, routes and qdiscs of $1.
ns_state ()
{
  ip -j -n "$1" link | jq -c '.[] | {ifname, mtu, address, flags: [.flags[] | select(. != "LOWER_UP" and . != "M-DOWN")]}'
  ip -n "$1" -o addr | awk '{print $2, $3, $4}'
  ip -n "$1" route
  tc -n "$1" qdisc show
}

# Starts tap_reader bridge in the background and waits for "ready".
start_reader ()
{
  "$TAP_READER" bridge "/run/netns/$A" "$@" > "$TEST_DIR/reader.out" 2> "$TEST_DIR/reader.err" &
  READER_PID=$!
  wait_until "grep -q '^ready' '$TEST_DIR/reader.out' || ! kill -0 $READER_PID 2> /dev/null" 50
  grep -q '^ready' "$TEST_DIR/reader.out" || fail "tap_reader did not start:" "$(cat "$TEST_DIR/reader.err")"
}

stop_reader ()
{
  kill -TERM "$READER_PID"
  wait "$READER_PID" && status=0 || status=$?
  READER_PID=
  [ "$status" -eq 0 ] || fail "tap_reader exited $status:" "$(cat "$TEST_DIR/reader.err")"
  grep -q '^teardown ok' "$TEST_DIR/reader.out"
}

# The guest's NIC gets what the description says, as a guest agent would.
configure_guest ()
{
  local mac mtu
  mac=$(awk '$1 == "nic" && $2 == "vc" {print $4}' "$TEST_DIR/reader.out")
  mtu=$(awk '$1 == "nic" && $2 == "vc" {print $6}' "$TEST_DIR/reader.out")
  ip -n "$G" link set gt0 address "$mac" mtu "$mtu"
  awk '$1 == "addr" && $2 == "vc" {print $3}' "$TEST_DIR/reader.out" | while read -r a; do
    ip -n "$G" addr add "$a" dev gt0 nodad
  done
  ip -n "$G" link set gt0 up
  awk '$1 == "route" && $2 == "vc" {print $3, $4}' "$TEST_DIR/reader.out" | while read -r dst gw; do
    ip -n "$G" route add "$dst" via "$gw" dev gt0
  done
}

# IPv4 echo requests the namespace's own stack has answered.
in_echos ()
{
  ip netns exec "$1" awk '/^Icmp:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; n = 1 } else print $c }' /proc/net/snmp
}

@test "tcbridge: describes each interface (MAC, MTU, addresses, routes) and leaves nothing behind" {
  before=$(ns_state "$A")
  run "$TAP_READER" bridge "/run/netns/$A" --seconds 0
  assert_success
  mac=$(ip -j -n "$A" link show vc | jq -r '.[0].address')
  assert_output_match "^nic vc mac $mac mtu 1400 tap tap0_sie fd held$"
  assert_output_match '^addr vc 10\.202\.0\.2/24$'
  assert_output_match '^addr vc fd00:202::2/64$'
  assert_output_no_match '^addr vc fe80:'
  assert_output_match '^route vc default 10\.202\.0\.1 $'
  assert_output_match '^route vc 10\.99\.0\.0/16 10\.202\.0\.1 $'
  # The prefix route comes back with the address: not the guest's to add.
  assert_output_no_match '^route vc 10\.202\.0\.0/24'
  assert_output_no_match '^nic (lo|vp)'
  assert_output_match '^teardown ok$'
  [ "$(ns_state "$A")" = "$before" ] || fail "namespace changed" "$before" "---" "$(ns_state "$A")"
}

@test "tcbridge: a tap beside the interface, ingress qdiscs and mirred redirects both ways" {
  before=$(ns_state "$A")
  start_reader
  run ip -n "$A" -d link show tap0_sie
  assert_success
  assert_output_match 'mtu 1400 .*state UNKNOWN'
  assert_output_match 'tun type tap pi off'
  run tc -n "$A" filter show dev vc ingress
  assert_output_match 'u32'
  assert_output_match 'match 00000000/00000000 at 0'
  assert_output_match 'mirred \(Egress Redirect to device tap0_sie\) stolen'
  run tc -n "$A" filter show dev tap0_sie ingress
  assert_output_match 'mirred \(Egress Redirect to device vc\) stolen'
  stop_reader
  ! ip -n "$A" link show tap0_sie 2> /dev/null || fail "the tap survived teardown"
  [ "$(ns_state "$A")" = "$before" ] || fail "namespace changed" "$before" "---" "$(ns_state "$A")"
}

@test "tcbridge: ping from the peer reaches the guest through the tap, the tap sees the echo requests" {
  start_reader --guest "/run/netns/$G" --log "$TEST_DIR/frames" --seconds 60
  configure_guest
  mac=$(ip -j -n "$A" link show vc | jq -r '.[0].address')
  echos_a=$(in_echos "$A")
  echos_g=$(in_echos "$G")
  run ip netns exec "$P" busybox ping -c 3 -W 2 10.202.0.2
  assert_success
  assert_output_match '3 packets received'
  requests=$(grep -c "^rx .* dst $mac .* ip 10\.202\.0\.1 > 10\.202\.0\.2 icmp echo-request" "$TEST_DIR/frames")
  replies=$(grep -c "^tx .* src $mac .* ip 10\.202\.0\.2 > 10\.202\.0\.1 icmp echo-reply" "$TEST_DIR/frames")
  [ "$requests" -ge 3 ] || fail "tap saw $requests echo requests" "$(cat "$TEST_DIR/frames")"
  [ "$replies" -ge 3 ] || fail "$replies echo replies went into the tap"
  # The guest answered, not the container namespace's own stack.
  [ "$(in_echos "$A")" = "$echos_a" ] || fail "the container namespace answered pings itself"
  [ "$(( $(in_echos "$G") - echos_g ))" -ge 3 ] || fail "the guest did not answer"
  # The guest reaches the peer the other way too.
  run ip netns exec "$G" busybox ping -c 2 -W 2 10.202.0.1
  assert_output_match '2 packets received'
  stop_reader
}

@test "tcbridge: TCP transfers both ways between the peer and the guest" {
  start_reader --guest "/run/netns/$G" --log "$TEST_DIR/frames" --seconds 60
  configure_guest
  mkdir "$TEST_DIR/www"
  head -c 2000000 /dev/urandom > "$TEST_DIR/www/data"
  want=$(sha256sum < "$TEST_DIR/www/data")

  ip netns exec "$G" busybox httpd -f -p 10.202.0.2:8080 -h "$TEST_DIR/www" &
  httpd=$!
  on_teardown "kill $httpd"
  wait_until "ip netns exec $G busybox netstat -ltn | grep -q ':8080'" 50
  got=$(ip netns exec "$P" timeout 20 busybox wget -q -O - http://10.202.0.2:8080/data | sha256sum)
  kill "$httpd"
  [ "$got" = "$want" ] || fail "peer <- guest transfer corrupted or short"

  ip netns exec "$P" busybox httpd -f -p 10.202.0.1:8081 -h "$TEST_DIR/www" &
  httpd=$!
  on_teardown "kill $httpd"
  wait_until "ip netns exec $P busybox netstat -ltn | grep -q ':8081'" 50
  got=$(ip netns exec "$G" timeout 20 busybox wget -q -O - http://10.202.0.1:8081/data | sha256sum)
  kill "$httpd"
  [ "$got" = "$want" ] || fail "guest <- peer transfer corrupted or short"

  grep -q '^rx .* tcp [0-9]* > 8080' "$TEST_DIR/frames"
  grep -q '^tx .* tcp [0-9]* > 8081' "$TEST_DIR/frames"
  # No frame larger than the MTU reached the tap: the stack segments for it.
  awk '{ if ($3 > 1400 + 14) { print; bad = 1 } } END { exit bad }' "$TEST_DIR/frames"
  stop_reader
}

@test "tcbridge: persistent taps outlive their fds, teardown removes them" {
  start_reader --persistent
  grep -q '^nic vc .* tap tap0_sie fd persistent$' "$TEST_DIR/reader.out"
  run ip -n "$A" -d link show tap0_sie
  assert_output_match 'persist on'
  stop_reader
  ! ip -n "$A" link show tap0_sie 2> /dev/null || fail "the persistent tap survived teardown"
}

@test "tcbridge: an interface with someone's ingress qdisc is an error, and nothing is left" {
  # A second interface, bridged after vc, already has an ingress qdisc.
  ip -n "$A" link add vd type veth peer name vdp netns "$P"
  ip -n "$A" link set vd up
  tc -n "$A" qdisc add dev vd ingress
  tc -n "$A" filter add dev vd parent ffff: protocol ip u32 match u32 0 0 flowid 1:1
  before=$(ns_state "$A")
  filters=$(tc -n "$A" filter show dev vd ingress)
  run "$TAP_READER" bridge "/run/netns/$A" --seconds 0
  assert_status 1
  assert_output_match 'tc bridge for vd: .*ingress qdisc already'
  [ "$(ns_state "$A")" = "$before" ] || fail "namespace changed" "$before" "---" "$(ns_state "$A")"
  [ "$(tc -n "$A" filter show dev vd ingress)" = "$filters" ] || fail "vd's filters changed"
  [ -z "$(tc -n "$A" filter show dev vc ingress)" ] || fail "vc kept a filter"
}

@test "tcbridge: a down interface is brought up for the bridge and down again after" {
  ip -n "$A" link set vc down
  before=$(ns_state "$A")
  start_reader
  ip -n "$A" link show vc | grep -q '<[^>]*UP'
  stop_reader
  [ "$(ns_state "$A")" = "$before" ] || fail "namespace changed" "$before" "---" "$(ns_state "$A")"
}
