#!/usr/bin/env bats
# netns/ read against iproute2: the links, addresses and routes sie's netlink
# code dumps (through tests/tap_reader dump) are the ones `ip` shows, and a
# container's network namespace is what sie made of it.

load helpers

setup_file () { build_tap_reader; }

setup ()
{
  sie_setup
  TAP_READER=$SIE_TEST_BIN/tap_reader
  N=$(host_name n)
  O=$(host_name o)
  ip netns add "$N"
  on_teardown "ip netns del $N"
  ip netns add "$O"
  on_teardown "ip netns del $O"
}

# What `ip -j` says, in tap_reader dump's words, sorted.
ip_view ()
{
  {
    ip -j -n "$1" -d link | jq -r '.[] | "link \(.ifname) mtu \(.mtu) mac \(.address // "-")"
      + " \(if (.flags | index("UP")) then "up" else "down" end) master \(.master // "-")"
      + " kind \(.linkinfo.info_kind // "-")"'
    ip -j -n "$1" addr | jq -r '.[] | .ifname as $n | .addr_info[] | "addr \($n) \(.local)/\(.prefixlen)"'
    { ip -j -n "$1" -4 route; ip -j -n "$1" -6 route; } | jq -r '.[] | "route"
      + " \(if .dst == "default" then "default" elif (.dst | contains("/")) then .dst else .dst + (if (.dst | contains(":")) then "/128" else "/32" end) end)"
      + " \(.gateway // "-") \(.dev // "-")"'
  } | sort
}

sie_view () { "$TAP_READER" dump "$1" | sort; }

@test "netns: links, addresses and routes as sie reads them are those ip shows" {
  ip -n "$N" link set lo up
  ip -n "$N" link add va mtu 9000 type veth peer name vb netns "$O"
  ip -n "$N" link add vc address 02:00:5e:00:53:01 type veth peer name vd
  ip -n "$N" link add br0 type bridge
  ip -n "$N" link set vd master br0
  ip -n "$N" addr add 10.203.0.2/24 dev va
  ip -n "$N" addr add 10.203.0.3/24 dev va
  ip -n "$N" addr add 10.204.0.1 peer 10.204.0.2 dev vc
  ip -n "$N" addr add fd00:203::2/64 dev va nodad
  ip -n "$N" link set va up
  ip -n "$N" link set vc up
  ip -n "$N" route add default via 10.203.0.1
  ip -n "$N" route add 10.88.0.0/16 via 10.203.0.254 dev va metric 7
  ip -n "$N" -6 route add fd00:99::/64 via fd00:203::1
  ip -n "$N" route add 10.77.0.0/16 via 10.203.0.1 table 100
  want=$(ip_view "$N")
  got=$(sie_view "/run/netns/$N")
  [ "$got" = "$want" ] || fail "sie and ip disagree" "$(diff <(echo "$want") <(echo "$got"))"
  # The content, not only the agreement.
  grep -q '^link vd mtu 1500 mac [0-9a-f:]* down master br0 kind veth$' <<< "$got"
  grep -q '^link va mtu 9000 .* up master - kind veth$' <<< "$got"
  grep -q '^link vc mtu 1500 mac 02:00:5e:00:53:01 up' <<< "$got"
  grep -q '^addr vc 10.204.0.1/32$' <<< "$got"
  grep -q '^route 10.88.0.0/16 10.203.0.254 va$' <<< "$got"
  grep -q '^route fd00:99::/64 fd00:203::1 va$' <<< "$got"
  ! grep -q '10.77.0.0' <<< "$got" || fail "a route of table 100 shows as main"
}

@test "netns: a container's new network namespace has lo up, and nothing else" {
  set_args sleep 100
  run_detached "$ID"
  pid=$(container_pid "$ID")
  run "$TAP_READER" dump "/proc/$pid/ns/net"
  assert_success
  [ "${lines[0]}" = "link lo mtu 65536 mac 00:00:00:00:00:00 up master - kind -" ] \
    || fail "links: $output"
  [ "$(grep -c '^link' <<< "$output")" -eq 1 ] || fail "more than lo: $output"
  assert_output_match '^addr lo 127\.0\.0\.1/8$'
  assert_output_match '^addr lo ::1/128$'
}

@test "netns: a joined network namespace keeps its interfaces, untouched" {
  ip -n "$N" link add va type veth peer name vb netns "$O"
  ip -n "$N" addr add 10.205.0.2/24 dev va
  ip -n "$N" link set va up
  before=$(sie_view "/run/netns/$N")
  update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$N\""
  set_cmd 'ip -o addr show dev va'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match 'va +inet 10\.205\.0\.2/24'
  [ "$(sie_view "/run/netns/$N")" = "$before" ] || fail "sie changed the joined namespace"
}
