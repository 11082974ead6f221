#!/usr/bin/env bats
# linux.resources given at create: pids, hugepageLimits, network (net_cls,
# net_prio), rdma and unified.  Where this host lacks a controller the test
# asserts the clear error instead, so the same file runs on v1, hybrid and
# pure v2 hosts.

load helpers
load cgroup_layout

@test "pids: limit — pids.max read back; a bounded fork bomb stops there" {
  cg_require pids
  set_resources '{"pids": {"limit": 10}}'
  # at most 40 forks, in a subshell that gives up at the first refused one
  set_cmd '(i=0; while [ $i -lt 40 ]; do sleep 100 & i=$((i + 1)); done; wait) 2> /bomb.err &
           while [ ! -s /bomb.err ]; do sleep 0.1; done; echo started > /bomb.seen; exec sleep 100'
  run_detached "$ID"
  assert_cg pids pids.max pids.max 10
  wait_for_file "$BUNDLE/rootfs/bomb.seen" 100
  sleep 0.3
  current=$(ctr_read pids pids.current pids.current)
  events=$(ctr_file pids pids.events pids.events)
  note "pids.current=$current, $(tr '\n' ' ' < "$events"), bomb says: $(head -n 1 "$BUNDLE/rootfs/bomb.err")"
  [ "$current" -le 10 ] || fail "pids.current is $current, above pids.max 10"
  [ "$current" -ge 5 ] || fail "pids.current is $current: the bomb did not get near the limit"
  [ "$(cg_stat_field "$events" max)" -ge 1 ] || fail "$events counts no refused fork"
  grep -qiE "fork|resource temporarily unavailable" "$BUNDLE/rootfs/bomb.err" \
    || fail "no fork failure seen: $(cat "$BUNDLE/rootfs/bomb.err")"
  # the host is fine
  run true
  assert_success
}

@test "pids: limit 0 or -1 means no limit (max)" {
  cg_require pids
  set_resources '{"pids": {"limit": -1}}'
  set_args sleep 100
  create_container "$ID"
  assert_cg pids pids.max pids.max max
}

@test "hugepageLimits: read back from the hugetlb controller (hugetlb.<size>.max on v2)" {
  cg_require hugetlb
  size=$(cg_hugepage_size) || skip "this kernel offers no huge page sizes"
  set_resources "{\"hugepageLimits\": [{\"pageSize\": \"$size\", \"limit\": 4194304}]}"
  set_args sleep 100
  create_container "$ID"
  note "hugetlb is on cgroup v$(cg_version hugetlb); page size $size"
  assert_cg hugetlb "hugetlb.$size.limit_in_bytes" "hugetlb.$size.max" 4194304
  if [ "$(cg_version hugetlb)" = 2 ]; then
    rsvd=$(ctr_file hugetlb - "hugetlb.$size.rsvd.max")
    [ ! -e "$rsvd" ] || [ "$(cat "$rsvd")" = 4194304 ] || fail "$rsvd: $(cat "$rsvd")"
  fi
  # biting needs reserved huge pages and a MAP_HUGETLB program; the host
  # has neither by default
  [ "$(cat /proc/sys/vm/nr_hugepages)" -gt 0 ] || note "no bite: nr_hugepages is 0 on this host"
}

@test "hugepageLimits: an unknown page size fails naming the field and file" {
  cg_require hugetlb
  set_resources '{"hugepageLimits": [{"pageSize": "3MB", "limit": 4194304}]}'
  assert_create_rejects 'linux.resources.hugepageLimits[0].pageSize' \
    "$(cg_name hugetlb hugetlb.3MB.limit_in_bytes hugetlb.3MB.max)"
}

@test "network: classID — net_cls.classid, or an error naming the field when net_cls is not mounted" {
  set_resources '{"network": {"classID": 1048577}}'
  set_args sleep 100
  if ! cg_version net_cls > /dev/null; then
    note "net_cls is not mounted ($(cg_layout)): expecting a clear error"
    assert_create_rejects linux.resources.network.classID
    assert_output_match 'net_cls'
    return
  fi
  create_container "$ID"
  assert_cg net_cls net_cls.classid - 1048577
}

@test "network: priorities — net_prio.ifpriomap, or an error naming the field when net_prio is not mounted" {
  set_resources '{"network": {"priorities": [{"name": "lo", "priority": 5}]}}'
  set_args sleep 100
  if ! cg_version net_prio > /dev/null; then
    note "net_prio is not mounted ($(cg_layout)): expecting a clear error"
    assert_create_rejects linux.resources.network.priorities
    assert_output_match 'net_prio'
    return
  fi
  create_container "$ID"
  grep -qx 'lo 5' "$(ctr_file net_prio net_prio.ifpriomap -)" || fail "no 'lo 5' in ifpriomap"
}

@test "rdma: rdma.max, or an error naming the field when rdma is not mounted" {
  set_resources '{"rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}}}'
  set_args sleep 100
  if ! cg_version rdma > /dev/null; then
    note "rdma is not mounted ($(cg_layout)): expecting a clear error"
    assert_create_rejects linux.resources.rdma
    assert_output_match 'rdma'
    return
  fi
  # with the controller but without that device the kernel refuses the line
  run create_container "$ID"
  if [ "$status" -eq 0 ]; then
    grep -q 'mlx5_1 hca_handle=3 hca_object=10000' "$(ctr_file rdma rdma.max rdma.max)"
  else
    assert_error_line "$ID"
    assert_output_match 'linux\.resources\.rdma\.mlx5_1: .*rdma\.max'
    assert_no_leftovers "$ID"
  fi
}

# v2_key_for CONTROLLER: a unified key of CONTROLLER and a value for it.
v2_key_for ()
{
  case $1 in
    hugetlb) echo "hugetlb.$(cg_hugepage_size).max 2097152" ;;
    memory) echo "memory.high 67108864" ;;
    pids) echo "pids.max 42" ;;
    cpu) echo "cpu.weight 42" ;;
    io) echo "io.weight default 42" ;;
  esac
}

@test "unified: a key whose controller is on cgroup2 is written there" {
  v2=$(cg_v2_mount)
  [ -n "$v2" ] || skip "no cgroup2 mount"
  ctrl=
  for c in hugetlb pids memory cpu; do
    [ "$c" = hugetlb ] && ! cg_hugepage_size > /dev/null && continue
    [ "$(cg_version "$c" 2> /dev/null)" = 2 ] && { ctrl=$c; break; }
  done
  if [ -z "$ctrl" ]; then
    # pure v1: the cgroup2 mount owns nothing
    set_resources '{"unified": {"pids.max": "42"}}'
    assert_create_rejects linux.resources.unified
    return
  fi
  read -r key value <<< "$(v2_key_for "$ctrl")"
  note "cgroup2 owns $ctrl here: unified $key = $value"
  set_resources "{\"unified\": {\"$key\": \"$value\"}}"
  set_args sleep 100
  create_container "$ID"
  [ "$(cat "$(cg_dir "$(container_pid "$ID")" "$ctrl")/$key")" = "$value" ]
}

@test "unified: a key whose controller is on cgroup v1 here fails clearly" {
  ctrl=
  for c in memory pids cpu; do
    [ "$(cg_version "$c" 2> /dev/null)" = 1 ] && { ctrl=$c; break; }
  done
  [ -n "$ctrl" ] || skip "every controller is on cgroup2 here ($(cg_layout))"
  read -r key value <<< "$(v2_key_for "$ctrl")"
  set_resources "{\"unified\": {\"$key\": \"$value\"}}"
  assert_create_rejects "linux.resources.unified.$key"
  assert_output_match "$ctrl.*(v1|version 1)"
}

@test "unified: a file the kernel does not have fails naming the key and file" {
  [ "$(cg_layout)" != v1 ] || skip "no controller on cgroup2 ($(cg_layout))"
  set_resources '{"unified": {"cgroup.no_such_file": "1"}}'
  assert_create_rejects linux.resources.unified.cgroup.no_such_file cgroup.no_such_file
}
