#!/usr/bin/env bats
# OCI hooks: when each kind runs, what it receives, timeouts and failures.

load helpers

# The hook logs one line per call: kind|HOOKVAR|leak check|mount ns|state JSON.
HOOK_SCRIPT='#!/bin/sh
state=$(cat | tr -d "\n")
printf "%s|%s|%s|%s|%s\n" "$1" "${HOOKVAR:-unset}" "${BATS_TEST_NAME:-clean}" \
  "$(readlink /proc/self/ns/mnt)" "$state" >> "$HOOKLOG"'

setup ()
{
  sie_setup
  printf '%s\n' "$HOOK_SCRIPT" > "$TEST_DIR/hook.sh"
  printf '%s\n' "$HOOK_SCRIPT" > "$BUNDLE/rootfs/hook.sh"
  chmod 0755 "$TEST_DIR/hook.sh" "$BUNDLE/rootfs/hook.sh"
  HOSTLOG=$TEST_DIR/hooks.log
}

# hook_json KIND [PATH [LOG]]: one hook entry logging to LOG.
hook_json ()
{
  local kind=$1 path=${2:-$TEST_DIR/hook.sh} log=${3:-$HOSTLOG}
  printf '{"path": "%s", "args": ["hook", "%s"], "env": ["PATH=/usr/bin:/bin", "HOOKVAR=v-%s", "HOOKLOG=%s"]}' \
    "$path" "$kind" "$kind" "$log"
}

# log_line LOG KIND: the line a kind wrote.
log_line () { grep "^$2|" "$1"; }
log_state () { log_line "$1" "$2" | cut -d'|' -f5-; }

@test "hooks: every kind runs at its point with the state on stdin" {
  update_config ".hooks = {
      \"prestart\": [$(hook_json prestart)],
      \"createRuntime\": [$(hook_json createRuntime)],
      \"createContainer\": [$(hook_json createContainer)],
      \"startContainer\": [$(hook_json startContainer /hook.sh /hooks.log)],
      \"poststart\": [$(hook_json poststart)],
      \"poststop\": [$(hook_json poststop)]}"
  set_cmd 'echo process >> /hooks.log; exec sleep 100'
  host_mnt=$(readlink /proc/self/ns/mnt)

  run create_container "$ID"
  assert_success
  pid=$(container_pid "$ID")
  ctr_mnt=$(readlink "/proc/$pid/ns/mnt")
  [ "$(cut -d'|' -f1 "$HOSTLOG" | tr '\n' ' ')" = "prestart createRuntime createContainer " ] \
    || [ "$(cut -d'|' -f1 "$HOSTLOG" | tr '\n' ' ')" = "createRuntime prestart createContainer " ] \
    || fail "after create: $(cat "$HOSTLOG")"
  [ ! -e "$BUNDLE/rootfs/hooks.log" ] || fail "startContainer ran at create"

  run sie start "$ID"
  assert_success
  wait_until "grep -q process '$BUNDLE/rootfs/hooks.log' 2>/dev/null"
  [ "$(cut -d'|' -f1 "$BUNDLE/rootfs/hooks.log" | tr '\n' ' ')" = "startContainer process " ] \
    || fail "$(cat "$BUNDLE/rootfs/hooks.log")"
  log_line "$HOSTLOG" poststart > /dev/null || fail "poststart did not run by the time start returned"

  sie kill "$ID" KILL
  wait_status "$ID" stopped
  ! log_line "$HOSTLOG" poststop > /dev/null || fail "poststop ran before delete"
  run sie delete "$ID"
  assert_success
  log_line "$HOSTLOG" poststop > /dev/null || fail "poststop did not run at delete"

  for kind in prestart createRuntime createContainer startContainer poststart poststop; do
    log=$HOSTLOG
    [ "$kind" = startContainer ] && log=$BUNDLE/rootfs/hooks.log
    line=$(log_line "$log" "$kind")
    IFS='|' read -r _ hookvar leak mnt _ <<< "$line"
    [ "$hookvar" = "v-$kind" ] || fail "$kind: HOOKVAR=$hookvar"
    [ "$leak" = clean ] || fail "$kind: the test's environment leaked into the hook"
    state=$(log_state "$log" "$kind")
    [ "$(jq -r .id <<< "$state")" = "$ID" ] || fail "$kind: $state"
    [ "$(jq -r .bundle <<< "$state")" = "$BUNDLE" ] || fail "$kind: $state"
    [ "$(jq -r .ociVersion <<< "$state")" != null ] || fail "$kind: $state"
    case $kind in
      prestart | createRuntime | createContainer) want=creating ;;
      startContainer) want=created ;;
      poststart) want=running ;;
      poststop) want=stopped ;;
    esac
    [ "$(jq -r .status <<< "$state")" = "$want" ] || fail "$kind: status $(jq -r .status <<< "$state"), want $want"
    if [ "$kind" != poststop ]; then
      [ "$(jq -r .pid <<< "$state")" = "$pid" ] || fail "$kind: pid $(jq -r .pid <<< "$state"), want $pid"
    fi
    case $kind in
      createContainer | startContainer) [ "$mnt" = "$ctr_mnt" ] || fail "$kind ran in mount ns $mnt, not the container's $ctr_mnt" ;;
      *) [ "$mnt" = "$host_mnt" ] || fail "$kind ran in mount ns $mnt, not the runtime's $host_mnt" ;;
    esac
  done
  assert_no_leftovers "$ID"
}

@test "hooks: run (foreground) runs poststop when the container exits" {
  update_config ".hooks = {\"poststart\": [$(hook_json poststart)], \"poststop\": [$(hook_json poststop)]}"
  set_cmd 'exit 5'
  run sie run -b "$BUNDLE" "$ID"
  assert_status 5
  [ "$(cut -d'|' -f1 "$HOSTLOG" | tr '\n' ' ')" = "poststart poststop " ] || fail "$(cat "$HOSTLOG")"
  [ "$(jq -r .status <<< "$(log_state "$HOSTLOG" poststop)")" = stopped ]
  assert_no_leftovers "$ID"
}

@test "hooks: several hooks of one kind run in order" {
  update_config ".hooks.createRuntime = [
      {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo first >> $HOSTLOG\"]},
      {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo second >> $HOSTLOG\"]},
      {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo third >> $HOSTLOG\"]}]"
  set_args true
  run sie run -b "$BUNDLE" "$ID"
  assert_success
  [ "$(cat "$HOSTLOG")" = "$(printf 'first\nsecond\nthird')" ]
}

@test "hooks: a hanging hook is killed at its timeout and create fails cleanly" {
  update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "4343"], "timeout": 1}]'
  set_cmd 'touch /ran'
  start=$(date +%s)
  run create_container "$ID"
  elapsed=$(($(date +%s) - start))
  assert_error_line "$ID"
  assert_output_match '[Tt]ime'
  [ "$elapsed" -lt 10 ] || fail "create took ${elapsed}s for a 1 s timeout"
  sleep 0.2
  ! pgrep -fx 'sleep 4343' > /dev/null || fail "the hook process survived its timeout"
  [ ! -e "$BUNDLE/rootfs/ran" ]
  assert_no_leftovers "$ID"
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
  update_config '.hooks.prestart = [{"path": "/bin/false", "args": ["false"]}]'
  set_cmd 'touch /ran'
  run create_container "$ID"
  assert_error_line "$ID"
  assert_output_match 'prestart'
  assert_no_leftovers "$ID"
  run sie run -b "$BUNDLE" "$ID"
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
  [ ! -e "$BUNDLE/rootfs/ran" ]
}

@test "hooks: a failing createContainer hook fails create and leaves nothing" {
  update_config '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]'
  set_cmd 'touch /ran'
  run create_container "$ID"
  assert_error_line "$ID"
  assert_output_match 'createContainer'
  assert_no_leftovers "$ID"
  [ ! -e "$BUNDLE/rootfs/ran" ]
}

@test "hooks: a missing hook binary fails create and leaves nothing" {
  update_config ".hooks.createRuntime = [{\"path\": \"$TEST_DIR/no-such-hook\"}]"
  run create_container "$ID"
  assert_error_line "$ID"
  assert_output_match 'no-such-hook'
  assert_no_leftovers "$ID"
}

@test "hooks: a failing poststop hook does not stop delete" {
  update_config '.hooks.poststop = [{"path": "/bin/false", "args": ["false"]}]'
  set_args sleep 100
  create_container "$ID"
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
}
