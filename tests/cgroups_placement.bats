#!/usr/bin/env bats
# Where the container's cgroup directories go, in every mounted hierarchy
# (v1 controllers, name=systemd, the cgroup2 mount), and that delete
# removes them.

load helpers

# hierarchies: one "controllers-field" per line of this shell's
# /proc/self/cgroup whose hierarchy is mounted ("" is cgroup2).
hierarchies ()
{
  local ctrl
  while IFS=: read -r _ ctrl _; do
    [ -n "$(cgroup_mountpoint "$ctrl")" ] && printf '%s\n' "$ctrl"
  done < /proc/self/cgroup
}

# container_cgroup PID CTRL: the pid's cgroup path in that hierarchy.
container_cgroup () { awk -F: -v c="$2" '$2 == c { sub(/^[^:]*:[^:]*:/, ""); print; exit }' "/proc/$1/cgroup"; }

# join_path A B: "/" + A + B without doubled slashes.
join_path () { local p="$1/$2"; p=$(sed 's#//*#/#g' <<< "$p"); echo "${p%/}"; }

# assert_placed PID 'expected path, with OWN for the own cgroup'
assert_placed ()
{
  local pid=$1 want_tpl=$2 ctrl mnt want got n=0
  while read -r ctrl; do
    mnt=$(cgroup_mountpoint "$ctrl")
    want=$(join_path "${want_tpl%%OWN*}" "$(own_cgroup "$ctrl")${want_tpl#*OWN}")
    [[ "$want_tpl" == *OWN* ]] || want=$want_tpl
    got=$(container_cgroup "$pid" "$ctrl")
    [ "$got" = "$want" ] || fail "hierarchy '${ctrl:-cgroup2}': pid $pid is in $got, want $want"
    grep -qx "$pid" "$mnt$want/cgroup.procs" || fail "pid $pid not in $mnt$want/cgroup.procs"
    n=$((n + 1))
  done < <(hierarchies)
  [ "$n" -ge 1 ] || fail "no cgroup hierarchy mounted"
}

# assert_gone 'path template': no directory for it in any hierarchy.
assert_gone ()
{
  local tpl=$1 ctrl mnt path
  while read -r ctrl; do
    mnt=$(cgroup_mountpoint "$ctrl")
    path=$tpl
    [[ "$tpl" == *OWN* ]] && path=$(join_path "${tpl%%OWN*}" "$(own_cgroup "$ctrl")${tpl#*OWN}")
    [ ! -d "$mnt$path" ] || fail "$mnt$path is still there"
  done < <(hierarchies)
}

# assert_own_cgroups_kept: sie never removes the cgroup it was started in,
# the parent of a default container cgroup.
assert_own_cgroups_kept ()
{
  local ctrl mnt
  while read -r ctrl; do
    mnt=$(cgroup_mountpoint "$ctrl")
    [ -d "$mnt$(own_cgroup "$ctrl")" ] || fail "own cgroup $mnt$(own_cgroup "$ctrl") was removed"
  done < <(hierarchies)
}

@test "cgroups: no cgroupsPath — <own cgroup>/<id> in every hierarchy, as runc" {
  [ "$(hierarchies | wc -l)" -eq "$(wc -l < /proc/self/cgroup)" ] || skip "some hierarchy is not mounted"
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  assert_placed "$pid" "OWN/$ID"
  # name=systemd and cgroup2 are among them on this host
  if grep -q ':name=systemd:' /proc/self/cgroup; then
    [ -n "$(container_cgroup "$pid" name=systemd)" ]
  fi
  run sie delete --force "$ID"
  assert_success
  assert_gone "OWN/$ID"
  assert_own_cgroups_kept
  assert_no_leftovers "$ID"
}

@test "cgroups: processes the container forks stay in its cgroup" {
  set_cmd 'sleep 4545 & exec sleep 100'
  run_detached "$ID"
  pid=$(container_pid "$ID")
  pids_dir=$(cgroup_mountpoint pids)$(container_cgroup "$pid" pids)
  wait_until '[ "$(count_procs "$pids_dir" "sleep 4545")" -eq 1 ]'
  memdir=$(cgroup_mountpoint memory)$(container_cgroup "$pid" memory)
  [ "$(count_procs "$memdir" "sleep 4545")" -eq 1 ]
}

@test "cgroups: an absolute cgroupsPath is taken from each hierarchy's root" {
  update_config ".linux.cgroupsPath = \"/$ID-abs/inner\""
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  assert_placed "$pid" "/$ID-abs/inner"
  run sie delete --force "$ID"
  assert_success
  assert_gone "/$ID-abs/inner"
  # sie made the parent too, so it removes it as well
  assert_gone "/$ID-abs"
}

@test "cgroups: a relative cgroupsPath is placed under the own cgroup" {
  update_config ".linux.cgroupsPath = \"$ID-rel/inner\""
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  assert_placed "$pid" "OWN/$ID-rel/inner"
  run sie delete --force "$ID"
  assert_success
  assert_gone "OWN/$ID-rel/inner"
}

@test "cgroups: an existing parent cgroup is left in place at delete" {
  mnt=$(cgroup_mountpoint pids)
  mkdir "$mnt/$ID-pre"
  on_teardown "rmdir '$mnt/$ID-pre'"
  update_config ".linux.cgroupsPath = \"/$ID-pre/c\""
  set_args sleep 100
  create_container "$ID"
  grep -qx "$(container_pid "$ID")" "$mnt/$ID-pre/c/cgroup.procs"
  run sie delete --force "$ID"
  assert_success
  [ ! -d "$mnt/$ID-pre/c" ]
  [ -d "$mnt/$ID-pre" ] || fail "delete removed a cgroup sie did not create"
}

@test "cgroups: sub-cgroups made under the container's cgroup are removed at delete" {
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  for ctrl in pids memory; do
    mkdir -p "$(cgroup_mountpoint $ctrl)$(container_cgroup "$pid" $ctrl)/child/grandchild"
  done
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "cgroups: run in the foreground removes them when the container exits" {
  set_cmd 'cat /proc/self/cgroup > /cg'
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  grep -q ":pids:.*/$ID\$" "$BUNDLE/rootfs/cg" || fail "$(cat "$BUNDLE/rootfs/cg")"
  assert_own_cgroups_kept
  assert_no_leftovers "$ID"
}

@test "cgroups: a failed create removes the cgroups it made" {
  set_args /bin/no-such-binary
  run create_container "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
  assert_gone "OWN/$ID"
  assert_own_cgroups_kept
}

@test "cgroups: a systemd slice:prefix:name path is a clear error" {
  update_config '.linux.cgroupsPath = "system.slice:sie:foo"'
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_output_match 'cgroupsPath|system\.slice'
  assert_no_leftovers "$ID"
}

@test "cgroups: delete kills processes moved into sub-cgroups, in every hierarchy, and removes them" {
  set_cmd 'sleep 4646 & exec sleep 100'
  run_detached "$ID"
  pid=$(container_pid "$ID")
  wait_until "pgrep -fx 'sleep 4646' > /dev/null"
  child=$(pgrep -fx 'sleep 4646' | head -n 1)
  # the child goes to <container>/sub/deeper in every mounted hierarchy (the
  # cgroup2 mount included); the init stays in the container's own cgroup
  while read -r ctrl; do
    dir=$(cgroup_mountpoint "$ctrl")$(container_cgroup "$pid" "$ctrl")
    for d in "$dir/sub" "$dir/sub/deeper"; do
      mkdir "$d"
      # a v1 cpuset starts empty and takes no process until given some
      if [ -e "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ]; then
        cat "$(dirname "$d")/cpuset.cpus" > "$d/cpuset.cpus"
        cat "$(dirname "$d")/cpuset.mems" > "$d/cpuset.mems"
      fi
    done
    echo "$child" > "$dir/sub/deeper/cgroup.procs"
  done < <(hierarchies)
  grep -q "/sub/deeper$" "/proc/$child/cgroup"
  run sie delete --force "$ID"
  assert_success
  ! kill -0 "$child" 2> /dev/null || fail "process $child in a sub-cgroup survived delete"
  assert_no_leftovers "$ID"
}
