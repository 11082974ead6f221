#!/usr/bin/env bats
# The CPU part of relocation eligibility, and relocation domains.  Host B
# "lacks" a CPU feature through its daemon's own mount namespace, where
# /proc/cpuinfo is a copy with one flag taken out (lxcfs's technique): the
# kernel's view of the CPU is unchanged, so CRIU's CPUID check still
# passes and the flag check alone speaks.

load helpers
load relocate

setup () { relocate_setup; }

SRC_ADDR=10.213.9.1:27200

# This host's flags line ("flags" on x86, "Features" on arm64).
flags_line () { grep -m1 -E '^(flags|Features)[[:space:]]*:' "${1:-/proc/cpuinfo}"; }

# Host B's daemon will see a /proc/cpuinfo without flag $LACK.
b_lacks_a_flag ()
{
  local f
  LACK=
  for f in avx2 sse4_2 asimd; do
    flags_line | grep -qw -- "$f" && { LACK=$f; break; }
  done
  [ -n "$LACK" ] || LACK=$(flags_line | awk '{print $NF}')
  sed -E "/^(flags|Features)[[:space:]]*:/ s/ $LACK( |\$)/\\1/" /proc/cpuinfo > "$TEST_DIR/cpuinfo"
  ! flags_line "$TEST_DIR/cpuinfo" | grep -qw -- "$LACK" || fail "could not take $LACK out"
  DAEMON_PREFIX=(unshare -m --propagation private sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$TEST_DIR/cpuinfo")
}

# The daemon sees the copy; this mount namespace (the host's) does not.
assert_b_lacks_it ()
{
  ! nsenter -t "$DAEMON" -m cat /proc/cpuinfo | flags_line /dev/stdin | grep -qw -- "$LACK" ||
    fail "the daemon still sees $LACK"
  flags_line | grep -qw -- "$LACK" || fail "the host lost $LACK"
  ! grep -q ' /proc/cpuinfo ' /proc/self/mountinfo || fail "/proc/cpuinfo is mounted over on the host"
}

# domains_file MEMBER...: domain rack1 of the given members, each with its
# flags: the source's as a flags line, B's as an array of names (both
# forms of the file), any other address with the source's.
domains_file ()
{
  local m members='{}' b
  b=$(flags_line "${B_CPUINFO:-/proc/cpuinfo}")
  for m in "$@"; do
    if [ "$m" = "$DEST" ]; then
      members=$(jq -c --arg m "$m" --arg f "$b" '. + {($m): ($f | sub("^[^:]*:"; "") | [splits("\\s+")] | map(select(. != "")))}' <<< "$members")
    else
      members=$(jq -c --arg m "$m" --arg f "$(flags_line)" '. + {($m): $f}' <<< "$members")
    fi
  done
  jq -n --argjson m "$members" '{domains: {rack1: {members: $m}, other: {members: {"192.0.2.1:1": "fpu"}}}}' > "$TEST_DIR/domains.json"
}

in_domain () { update_config ".annotations = {\"run.sie.relocation-domain\": \"$1\"}"; }

violations () { grep -c "relocate $ID: eligibility violation:" <<< "$output" || true; }

@test "relocate --test: a destination lacking a CPU flag is a cpu violation naming it; nothing moves" {
  b_lacks_a_flag
  start_daemon
  assert_b_lacks_it
  start_counter
  run relocate --test "$ID" "$DEST"
  assert_failure
  assert_output_match "relocate $ID: eligibility violation: cpu: this host lacks CPU features the container may use: $LACK\$"
  [ "$(violations)" -eq 1 ] || fail "expected exactly one violation" "$output"
  assert_output_no_match "eligible:"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e --arg f "$LACK" \
    '.result == "eligibility violation" and .test == true and (.message | endswith("may use: " + $f))' > /dev/null ||
    fail "log: $(tail -n 1 "$ROOT/relocate.log")"
}

@test "relocate --test --force architecture: past the cpu violation, eligible" {
  b_lacks_a_flag
  start_daemon
  start_counter
  run relocate --test --force architecture "$ID" "$DEST"
  assert_success
  assert_output_match "relocate $ID: forced past: cpu: this host lacks CPU features the container may use: $LACK\$"
  assert_output_match "eligible: $ID can move to $DEST"
  assert_still_here
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "completed" and .test == true' > /dev/null
}

@test "relocation domain: its ceiling leaves out what B lacks, so B is eligible; a move completes" {
  b_lacks_a_flag
  B_CPUINFO=$TEST_DIR/cpuinfo domains_file "$SRC_ADDR" "$DEST"
  jq -e --arg f "$LACK" --arg d "$DEST" '(.domains.rack1.members[$d] | index($f)) == null' "$TEST_DIR/domains.json" > /dev/null
  in_domain rack1
  start_daemon
  assert_b_lacks_it
  start_counter
  run relocate --test --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_success
  assert_output_match "eligible: $ID can move to $DEST"
  assert_output_no_match "violation|forced"
  assert_still_here
  run relocate --mode stop-copy --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_success
  assert_output_match "completed: $ID moved to $DEST"
  assert_moved
}

@test "relocation domain: the ceiling's flags B lacks are named, with the domain" {
  b_lacks_a_flag
  domains_file "$SRC_ADDR" "$DEST"   # B listed with the full flags: a stale entry
  start_daemon
  start_counter
  run relocate --test --domains "$TEST_DIR/domains.json" --domain rack1 "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: cpu: this host lacks CPU features the container may use \(relocation domain rack1\): $LACK\$"
  [ "$(violations)" -eq 1 ] || fail "expected exactly one violation" "$output"
  assert_still_here
}

@test "relocation domain: a destination outside it is a domain violation, which --force cannot pass" {
  domains_file "$SRC_ADDR" 10.213.9.3:27200
  in_domain rack1
  start_daemon
  start_counter
  run relocate --test --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_failure
  assert_output_match "relocate $ID: eligibility violation: domain: $DEST is not a member of relocation domain rack1 \(its members: $SRC_ADDR, 10.213.9.3:27200\)\$"
  [ "$(violations)" -eq 1 ] || fail "expected exactly one violation" "$output"
  tail -n 1 "$ROOT/relocate.log" | jq -e '.result == "eligibility violation" and (.message | contains("domain: "))' > /dev/null
  run relocate --test --force architecture --force memory --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: domain: $DEST is not a member"
  assert_still_here
}

@test "relocation domain: --domain wins over the annotation" {
  domains_file "$SRC_ADDR" "$DEST"
  in_domain other
  start_daemon
  start_counter
  run relocate --test --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_failure
  assert_output_match "eligibility violation: domain: $DEST is not a member of relocation domain other"
  run relocate --test --domains "$TEST_DIR/domains.json" --domain rack1 "$ID" "$DEST"
  assert_success
  assert_still_here
}

@test "relocation domain: a bad file or an unknown domain is one clear line, before anything is contacted" {
  in_domain rack9
  start_counter   # no daemon: nothing may be contacted
  printf '{"domains": {"rack1": {"members": {' > "$TEST_DIR/broken.json"
  run relocate --test --domains "$TEST_DIR/broken.json" --domain rack1 "$ID" "$DEST"
  assert_error_line "$ID"
  assert_output_match "$TEST_DIR/broken.json: line 1, column [0-9]+: "
  [ "${#lines[@]}" -eq 1 ] || fail "expected one line" "$output"

  domains_file "$SRC_ADDR" "$DEST"
  run relocate --test --domains "$TEST_DIR/domains.json" "$ID" "$DEST"
  assert_error_line "$ID"
  assert_output_match "$TEST_DIR/domains.json: no relocation domain \"rack9\" \(it defines rack1, other\)\$"
  [ "${#lines[@]}" -eq 1 ] || fail "expected one line" "$output"

  jq '.domains.rack1.members = {}' "$TEST_DIR/domains.json" > "$TEST_DIR/empty.json"
  run relocate --test --domains "$TEST_DIR/empty.json" --domain rack1 "$ID" "$DEST"
  assert_error_line "$ID"
  assert_output_match "empty.json: domains.rack1.members: a domain needs at least one member\$"

  run relocate --test --domains "$TEST_DIR/missing.json" --domain rack1 "$ID" "$DEST"
  assert_error_line "$ID"
  assert_output_match "relocation domain rack1: open $TEST_DIR/missing.json: No such file or directory\$"

  # without --domains, the default file is the one named
  run relocate --test --domain "$ID-none" "$ID" "$DEST"
  assert_error_line "$ID"
  assert_output_match "/etc/sie/relocation-domains.json"

  [ ! -e "$ROOT/relocate.log" ] || fail "a relocation was attempted: $(cat "$ROOT/relocate.log")"
  assert_still_here
}
