#!/usr/bin/env bats
# Container IDs that must be refused before anything touches the disk.

load helpers

long_id () { head -c "$1" < /dev/zero | tr '\0' 'a'; }

# check_bad_id ID: every command refuses it with sie's message, exit 1,
# and nothing appears in the root or next to it.
check_bad_id ()
{
  local bad=$1 cmd
  for cmd in "create -b $BUNDLE" "run -b $BUNDLE" "run -d -b $BUNDLE" state start "kill" "delete" "delete --force"; do
    # shellcheck disable=SC2086
    run sie_detached $cmd "$bad"
    [ "$status" -eq 1 ] || fail "$cmd '${bad:0:40}': exit $status" "output: ${output:0:300}"
    [ "${#lines[@]}" -eq 1 ] || fail "$cmd '${bad:0:40}': more than one line" "output: ${output:0:300}"
    # the quoted id is the start of the message; very long ones may be elided.
    [[ "${lines[0]}" == "sie: invalid container id \""* ]] || fail "$cmd '${bad:0:40}': ${lines[0]:0:300}"
  done
  if [ -d "$ROOT" ]; then
    [ -z "$(ls -A "$ROOT")" ] || fail "root is not empty: $(ls -A "$ROOT")"
  fi
  [ ! -e "$TEST_DIR/x" ] || fail "an id escaped the root"
  [ ! -e "$ROOT/../x" ] || fail "an id escaped the root"
}

@test "ids: a slash is refused" { check_bad_id "a/b"; }
@test "ids: a path escaping the root is refused" { check_bad_id "../x"; }
@test "ids: . is refused" { check_bad_id "."; }
@test "ids: .. is refused" { check_bad_id ".."; }
@test "ids: the empty id is refused" { check_bad_id ""; }
@test "ids: a space is refused" { check_bad_id "a b"; }
@test "ids: a newline is refused" { check_bad_id $'a\nb'; }
@test "ids: a colon is refused" { check_bad_id "a:b"; }
@test "ids: a NUL-free control char is refused" { check_bad_id $'a\tb'; }
@test "ids: longer than 255 characters is refused" { check_bad_id "$(long_id 256)"; }

@test "ids: the error line quotes the id" {
  run sie state "a/b"
  assert_status 1
  assert_output_match '^sie: invalid container id "a/b": .+'
}

@test "ids: every allowed character class works" {
  set_cmd 'echo ok-id'
  id="$ID-A_b+c.9"
  run sie run -b "$BUNDLE" "$id"
  assert_success
  assert_output_equal ok-id
  assert_no_leftovers "$id"
}

@test "ids: a 200 character id works" {
  set_cmd 'echo ok-long'
  id="$ID-$(long_id 181)"
  [ "${#id}" -eq 200 ]
  run sie run -b "$BUNDLE" "$id"
  assert_success
  assert_output_equal ok-long
  assert_no_leftovers "$id"
}

@test "ids: a duplicate id is refused and the first container is untouched" {
  set_args sleep 100
  create_container "$ID"
  pid=$(container_pid "$ID")
  run create_container "$ID"
  assert_error_line "$ID"
  [ "$(container_pid "$ID")" = "$pid" ]
  [ "$(container_status "$ID")" = created ]
}
