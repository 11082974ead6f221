#!/usr/bin/env bats
# linux.resources.devices (v1 devices.allow/deny, an eBPF program on v2)
# and the container's view of its own cgroups through a cgroup namespace.

load helpers
load cgroup_layout

# with_mknod: the container may make device nodes (runc's default
# capabilities leave CAP_MKNOD out), so only the device cgroup can refuse.
with_mknod ()
{
  update_config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"] | .value |= unique)'
}

# open_cmd NAME PATH: shell that prints "NAME ok" or "NAME <error>" for an
# open of PATH for reading.
open_cmd () { echo "if e=\$( (: < $2) 2>&1); then echo '$1 ok'; else echo \"$1 \$e\"; fi;"; }

# host_can_open TYPE MAJOR MINOR: this host itself may open such a node
# (so an EPERM in the container is the container's device rules).
host_can_open ()
{
  local node=$TEST_DIR/probe-$1-$2-$3 ok=1
  mknod "$node" "$1" "$2" "$3" 2> /dev/null || return 1
  (: < "$node") 2> /dev/null && ok=0
  rm -f "$node"
  return $ok
}

# loop_devs: two loop devices the host can open, "MAJ:MIN MAJ:MIN".
loop_devs ()
{
  local a b
  [ -e /sys/block/loop0/dev ] && [ -e /sys/block/loop1/dev ] || return 1
  a=$(cat /sys/block/loop0/dev) b=$(cat /sys/block/loop1/dev)
  host_can_open b ${a%:*} ${a#*:} && host_can_open b ${b%:*} ${b#*:} || return 1
  echo "$a $b"
}

@test "devices: deny-all plus an allow rule — the allowed node opens, others fail EPERM, defaults work" {
  read -r allowed denied <<< "$(loop_devs)" || true
  [ -n "$denied" ] || skip "the host cannot open two loop devices"
  with_mknod
  update_config ".linux.resources.devices = [{\"allow\": false, \"access\": \"rwm\"},
      {\"allow\": true, \"type\": \"b\", \"major\": ${allowed%:*}, \"minor\": ${allowed#*:}, \"access\": \"r\"}]"
  cmd="mknod /tmp/allowed b ${allowed%:*} ${allowed#*:} && mknod /tmp/denied b ${denied%:*} ${denied#*:} || exit 9;
    $(open_cmd allowed /tmp/allowed) $(open_cmd denied /tmp/denied)"
  # a character device too, when the host has one to spare (fuse)
  if host_can_open c 10 229; then
    cmd+=" mknod /tmp/fuse c 10 229 || exit 9; $(open_cmd fuse /tmp/fuse)"
  fi
  cmd+=" echo x > /dev/null && echo 'null ok'; head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c;
    if echo x 2> /dev/null > /dev/full; then echo 'full wrote'; else echo 'full ENOSPC'; fi"
  set_cmd "$cmd"
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_match '^allowed ok$'
  assert_output_match '^denied .*Operation not permitted'
  if host_can_open c 10 229; then assert_output_match '^fuse .*Operation not permitted'; fi
  assert_output_match '^null ok$'
  [ "$(grep -cx 4 <<< "$output")" -eq 2 ] || fail "/dev/zero or /dev/urandom unreadable: $output"
  assert_output_match '^full ENOSPC$'
  assert_no_leftovers "$ID"
}

@test "devices: with an allow rule for it, the other node opens too" {
  read -r _ dev <<< "$(loop_devs)" || true
  [ -n "$dev" ] || skip "the host cannot open two loop devices"
  with_mknod
  update_config ".linux.resources.devices = [{\"allow\": false, \"access\": \"rwm\"},
      {\"allow\": true, \"type\": \"b\", \"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"access\": \"r\"}]"
  set_cmd "mknod /tmp/dev b ${dev%:*} ${dev#*:} || exit 9; $(open_cmd dev /tmp/dev)"
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  assert_output_equal 'dev ok'
}

@test "devices: the v1 devices.list holds the rules; on v2 a device program is attached" {
  update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
      {"allow": true, "type": "b", "major": 7, "minor": 1, "access": "r"}]'
  set_args sleep 100
  create_container "$ID"
  if [ "$(cg_version devices)" = 1 ]; then
    list=$(ctr_read devices devices.list -)
    grep -qx "b 7:1 r" <<< "$list" || fail "no 'b 7:1 r' in devices.list: $list"
    grep -qx 'c 1:3 rwm' <<< "$list" || fail "no /dev/null rule in devices.list: $list"
    ! grep -q '^a ' <<< "$list" || fail "devices.list still allows all: $list"
  elif command -v bpftool > /dev/null; then
    dir=$(cg_dir "$(container_pid "$ID")" devices)
    bpftool cgroup show "$dir" | grep -q cgroup_device || fail "no device program on $dir"
  else
    note "devices on cgroup v2 and no bpftool: checked through the behaviour tests only"
  fi
}

@test "devices: a bad rule fails naming the rule" {
  update_config '.linux.resources.devices += [{"allow": true, "type": "b", "major": 8, "minor": 0, "access": "rwx"}]'
  assert_create_rejects 'linux.resources.devices[1].access'
}

@test "cgroup namespace: the container sees its own hierarchy, read-only, in every mounted hierarchy" {
  cg_require memory
  update_config 'if any(.linux.namespaces[]; .type == "cgroup") then . else .linux.namespaces += [{"type": "cgroup"}] end'
  mem=$(cg_mount memory)
  memfile=$mem/$(cg_name memory memory.limit_in_bytes memory.max)
  set_resources '{"memory": {"limit": 67108864}}'
  cmd="cat /proc/self/cgroup; echo limit \$(cat $memfile);"
  # hugetlb on cgroup2 next to v1 memory: the hybrid case
  size=$(cg_hugepage_size || true)
  if [ -n "$size" ] && [ "$(cg_version hugetlb 2> /dev/null)" = 2 ] && [ "$(cg_version memory)" = 1 ]; then
    set_resources "{\"memory\": {\"limit\": 67108864}, \"hugepageLimits\": [{\"pageSize\": \"$size\", \"limit\": 4194304}]}"
    cmd+=" echo hugetlb \$(cat $(cg_mount hugetlb)/hugetlb.$size.max);"
  fi
  cmd+=" mkdir $mem/sub 2>&1; grep -E ' - cgroup2? ' /proc/self/mountinfo | awk '{ print \"mount\", \$5, \$6 }'"
  set_cmd "$cmd"
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  # every hierarchy is rooted at the container's own cgroup
  [ "$(grep -c ':/$' <<< "$output")" -eq "$(wc -l < /proc/self/cgroup)" ] || fail "not at its own roots: $output"
  assert_output_match '^limit 67108864$'
  if grep -q '^hugetlb ' <<< "$output"; then
    assert_output_match '^hugetlb 4194304$'
  fi
  assert_output_match 'Read-only file system'
  # every cgroup mount read-only, one per mounted hierarchy
  n=$(awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) ~ /^cgroup2?$/) n++ } END { print n + 0 }' /proc/self/mountinfo)
  [ "$(grep -c '^mount ' <<< "$output")" -eq "$n" ] || fail "expected $n cgroup mounts: $output"
  ! grep '^mount ' <<< "$output" | grep -vq ' ro,' || fail "a cgroup mount is writable: $output"
  assert_no_leftovers "$ID"
}
