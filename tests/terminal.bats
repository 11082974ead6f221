#!/usr/bin/env bats
# process.terminal with --console-socket: the pty master goes to the socket.

load helpers

setup_file ()
{
  compile_helper recvtty
}

setup ()
{
  sie_setup
  SOCK=$TEST_DIR/console.sock
  update_config '.process.terminal = true'
}

# start_recvtty [INPUT]: the receiver, in the background, output in tty.out.
start_recvtty ()
{
  "$SIE_TEST_BIN/recvtty" "$SOCK" "$@" > "$TEST_DIR/tty.out" 2> "$TEST_DIR/tty.err" 3>&- &
  RECVTTY=$!
  on_teardown "kill $RECVTTY"
  wait_for_file "$SOCK"
}

# wait_recvtty: it exits when the container's last slave fd closes.
wait_recvtty ()
{
  wait_until "! kill -0 $RECVTTY 2>/dev/null" 150 || fail "recvtty still running: the pty slave was not closed" "$(cat "$TEST_DIR/tty.out")"
  wait_pid "$RECVTTY"
  [ "$status" -eq 0 ] || fail "recvtty exit $status" "$(cat "$TEST_DIR/tty.err")"
  output=$(tr -d '\r' < "$TEST_DIR/tty.out")
  mapfile -t lines <<< "$output"
}

@test "terminal: run -d relays the container's output through the pty" {
  start_recvtty
  set_cmd 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo hello-tty'
  run run_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_recvtty
  assert_output_match '^/dev/pts/0$'
  assert_output_match '^all-tty$'
  assert_output_match '^hello-tty$'
  wait_status "$ID" stopped
}

@test "terminal: create and start, input reaches the container" {
  start_recvtty $'hello-input\n'
  set_cmd 'read -r line; echo "got:$line"; ls -l /proc/self/fd/0 | sed "s/.*-> //"'
  run create_container --console-socket "$SOCK" "$ID"
  assert_success
  run sie start "$ID"
  assert_success
  wait_recvtty
  assert_output_match '^got:hello-input$'
  assert_output_match '^/dev/pts/0$'
}

@test "terminal: /dev/console is the container's pty" {
  start_recvtty
  set_cmd 'stat -c "%F %t" /dev/console; echo x > /dev/console && echo console-writable'
  run run_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_recvtty
  assert_output_match '^character special file 88$'
  assert_output_match '^console-writable$'
}

@test "terminal: consoleSize sets the window size" {
  start_recvtty
  update_config '.process.consoleSize = {"height": 40, "width": 100}'
  set_cmd 'stty size'
  run run_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_recvtty
  assert_output_match '^40 100$'
}

@test "terminal: only the pty fds 0, 1, 2 are open in the container" {
  start_recvtty
  set_cmd 'ls -1 /proc/self/fd'
  run run_detached --console-socket "$SOCK" "$ID"
  assert_success
  wait_recvtty
  # 0 1 2 on the pty, 3 is ls's own directory
  [ "$(grep -E '^[0-9]+$' <<< "$output" | tr '\n' ' ')" = "0 1 2 3 " ] || fail "$output"
}

@test "terminal: create with a terminal but no --console-socket is an error" {
  run create_container "$ID"
  assert_error_line "$ID"
  assert_output_match 'console'
  assert_no_leftovers "$ID"
}

@test "terminal: --console-socket without a terminal is an error" {
  update_config '.process.terminal = false'
  start_recvtty
  run create_container --console-socket "$SOCK" "$ID"
  assert_error_line "$ID"
  assert_output_match 'console'
  assert_no_leftovers "$ID"
}

@test "terminal: a console socket nobody listens on is an error" {
  run create_container --console-socket "$TEST_DIR/nobody.sock" "$ID"
  assert_error_line "$ID"
  assert_output_match 'nobody\.sock'
  assert_no_leftovers "$ID"
}

@test "terminal: a foreground run without --console-socket relays the pty itself" {
  set_cmd 'tty; read -r line; echo "got:$line"; exit 4'
  # The pty echoes input the moment the relay writes it: typed only once
  # the container has printed its tty name, it cannot land inside that line.
  run sie run -b "$BUNDLE" "$ID" < <(sleep 2; echo typed-in)
  [ "$status" -eq 4 ] || fail "exit $status, want 4" "$output"
  output=$(tr -d '\r' <<< "$output")
  mapfile -t lines <<< "$output"
  assert_output_match '^/dev/pts/0$'
  assert_output_match '^got:typed-in$'
  assert_no_leftovers "$ID"
}

@test "terminal: run -d without --console-socket is an error and leaves nothing" {
  run sie run -d -b "$BUNDLE" "$ID"
  assert_failure
  assert_error_line "$ID"
  assert_no_leftovers "$ID"
}
