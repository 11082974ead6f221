#!/usr/bin/env bats
# ps: the container's processes from its cgroup, as runc prints them.

load helpers

# cgroup_pids ID: every pid in the container's cgroup and the cgroups below
# it, sorted, read from the kernel (its cgroup2 directory, else the first
# v1 one: every hierarchy holds the same processes).
cgroup_pids ()
{
  local dir
  dir=$(awk 'NR > 1 && $2 == 1 { print $4; exit }' "$ROOT/$1/cgroup")
  [ -n "$dir" ] || dir=$(awk 'NR == 2 { print $4 }' "$ROOT/$1/cgroup")
  find "$dir" -name cgroup.procs -exec cat {} + | sort -n
}

json_pids () { jq -r '.[]' <<< "$1" | sort -n; }

# A container with three processes: sh and two sleeps.
start_three ()
{
  set_cmd 'sleep 1000 & sleep 1001 & wait'
  run_detached "$ID" || return 1
  wait_until "[ \$(cgroup_pids $ID | wc -l) -eq 3 ]"
}

@test "ps -f json: the JSON array of the cgroup's pids, as runc prints it" {
  start_three
  run sie ps -f json "$ID"
  assert_success
  [[ "$output" =~ ^\[[0-9]+(,[0-9]+)*\]$ ]] || fail "not runc's format: $output"
  [ "$(json_pids "$output")" = "$(cgroup_pids "$ID")" ]
  grep -qx "$(container_pid "$ID")" <<< "$(json_pids "$output")"
  # exactly one trailing newline
  [ "$(sie ps --format json "$ID" | od -An -c | tr -d ' \n' | tail -c 3)" = ']\n' ]
}

@test "ps -f json counts the processes of sub-cgroups made inside the container" {
  start_three
  child=$(cgroup_pids "$ID" | grep -vx "$(container_pid "$ID")" | head -1)
  # a sub-cgroup in every hierarchy (not v1 cpuset: it would need cpus)
  while read -r levels v2 hier dir; do
    [ "$hier" = "$(cgroup_mountpoint cpuset)" ] && continue
    mkdir "$dir/sub"
    echo "$child" > "$dir/sub/cgroup.procs"
  done < <(tail -n +2 "$ROOT/$ID/cgroup")
  run sie ps -f json "$ID"
  assert_success
  [ "$(json_pids "$output" | wc -l)" = 3 ] || fail "expected 3 pids: $output"
  grep -qx "$child" <<< "$(json_pids "$output")"
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}

@test "ps (table): ps -ef's header, then only the container's processes" {
  start_three
  run sie ps "$ID"
  assert_success
  head -1 <<< "$output" | grep -Eq '^UID +PID +PPID ' || fail "no ps -ef header: $output"
  [ "$(wc -l <<< "$output")" = 4 ] || fail "expected a header and 3 lines: $output"
  [ "$(tail -n +2 <<< "$output" | awk '{ print $2 }' | sort -n)" = "$(cgroup_pids "$ID")" ]
  grep -q 'sleep 1000' <<< "$output"
  grep -q 'sleep 1001' <<< "$output"
  ! grep -Eq "^[^ ]+ +$$ " <<< "$output" || fail "the test's own shell is listed"
}

@test "ps passes the arguments after the ID to the host's ps" {
  start_three
  for args in "-- -o pid,comm" "-o pid,comm"; do
    # shellcheck disable=SC2086
    run sie ps "$ID" $args
    assert_success
    [ "$(head -1 <<< "$output" | tr -s ' ' | sed 's/^ //')" = "PID COMMAND" ] \
      || fail "header: $output"
    [ "$(tail -n +2 <<< "$output" | awk '{ print $2 }' | sort | tr '\n' ' ')" = "sh sleep sleep " ] \
      || fail "for ps $args: $output"
  done
  # the PID column is found wherever it is
  run sie ps "$ID" -- -o comm,pid
  assert_success
  [ "$(tail -n +2 <<< "$output" | awk '{ print $2 }' | sort -n)" = "$(cgroup_pids "$ID")" ]
}

@test "ps lists a created and a paused container" {
  set_cmd 'exec sleep 1000'
  run create_container "$ID"
  assert_success
  run sie ps -f json "$ID"
  assert_success
  assert_output_equal "[$(container_pid "$ID")]"
  run sie start "$ID"
  assert_success
  run sie pause "$ID"
  assert_success
  run sie ps -f json "$ID"
  assert_success
  assert_output_equal "[$(container_pid "$ID")]"
  run sie resume "$ID"
  assert_success
}

@test "ps errors: stopped or missing container, bad format, no PID column, ps failing" {
  set_cmd 'exec sleep 1000'
  run_detached "$ID"
  run sie ps -f yaml "$ID"
  assert_failure
  assert_output_match 'invalid format "yaml" \(table or json\)'
  run sie ps -f
  assert_failure
  assert_output_match "needs a value"
  run sie ps
  assert_failure
  assert_output_match "missing ID"
  run sie ps "$ID" -- -o comm
  assert_error_line "$ID"
  assert_output_match "no PID column"
  run sie ps "$ID" -- --no-such-option
  assert_error_line "$ID"
  assert_output_match "the host's ps failed \(exit status [0-9]+\)"
  [ "$(wc -l <<< "$output")" = 1 ] || fail "not one line: $output"

  run sie kill "$ID" KILL
  assert_success
  wait_status "$ID" stopped
  for fmt in table json; do
    run sie ps -f "$fmt" "$ID"
    assert_error_line "$ID"
    assert_output_match "container is stopped"
  done
  run sie ps sietest-missing
  assert_error_line sietest-missing
  assert_output_match "container does not exist"
}
