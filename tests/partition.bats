#!/usr/bin/env bats
# `sie partition`: a container's weight, cap, processors and memory, read
# back from its cgroup files (v1 or v2, per controller, found at run time),
# and set through update's engine.

load helpers
load cgroup_layout

MiB=1048576

setup ()
{
  sie_setup
  cg_require cpu
  cg_require cpuset
  cg_require memory
}

start_sleeper ()
{
  set_args sleep 1000
  run_detached "$ID"
}

# row NAME: the value column of a line of the text view (words 2 to the "(").
row () { awk -v n="$1" '$1 == n { sub(/^[^ ]+ +/, ""); sub(/ *\(.*$/, ""); print; exit }' <<< "$output"; }

# expected_weight SHARES: what the weight file reads for SHARES here.
expected_weight ()
{
  if [ "$(cg_version cpu)" = 1 ]; then echo "$1"; else cg_shares_to_weight "$1"; fi
}

@test "partition: the four read back from the cgroup files" {
  start_sleeper
  run sie partition "$ID"
  assert_success
  [ "${#lines[@]}" -eq 5 ] || fail "expected 5 lines: $output"
  [ "$(row container)" = "$ID" ]
  weight_file=$(cg_name cpu cpu.shares cpu.weight)
  assert_output_match "^weight +[0-9]+ +\($weight_file $(ctr_read cpu cpu.shares cpu.weight)\)$"
  [ "$(row cap)" = none ] || fail "cap: $(row cap)"
  cpus=$(ctr_read cpuset cpuset.cpus cpuset.cpus.effective)
  [ "$(row processors)" = "$cpus shared" ] || fail "processors: $(row processors), cpus $cpus"
  [ "$(row memory)" = unlimited ] || fail "memory: $(row memory)"
}

@test "partition: values set in config.json show, from the files" {
  update_config ".linux.resources.cpu = {\"shares\": 512, \"quota\": 150000, \"period\": 100000, \"cpus\": \"0\"}
                | .linux.resources.memory = {\"limit\": $((512 * MiB)), \"reservation\": $((256 * MiB))}"
  start_sleeper
  run sie partition "$ID"
  assert_success
  [ "$(row weight)" = 512 ] || fail "weight: $(row weight)"
  assert_output_match "^weight +512 +\($(cg_name cpu cpu.shares cpu.weight) $(expected_weight 512)\)$"
  assert_output_match '^cap +1\.50 CPUs +\(quota 150000us per 100000us\)$'
  [ "$(row processors)" = "0 shared" ]
  assert_output_match '^memory +512 MiB +\(limit; reservation 256 MiB, '
}

@test "partition: set the four, read them back from the files and the view" {
  start_sleeper
  run sie partition "$ID" --weight 512 --cap 0.5 --processors 0 --memory 256m
  assert_success
  # the command prints the view after the change
  [ "$(row weight)" = 512 ] && [ "$(row cap)" = "0.50 CPUs" ] || fail "$output"
  assert_cg cpu cpu.shares cpu.weight "$(expected_weight 512)"
  if [ "$(cg_version cpu)" = 1 ]; then
    assert_cg cpu cpu.cfs_quota_us - 50000
  else
    assert_cg cpu - cpu.max "50000 $(ctr_read cpu - cpu.max | cut -d' ' -f2)"
  fi
  assert_cg cpuset cpuset.cpus cpuset.cpus 0
  assert_cg memory memory.limit_in_bytes memory.max $((256 * MiB))
  run sie partition "$ID"
  assert_success
  [ "$(row weight)" = 512 ]
  [ "$(row cap)" = "0.50 CPUs" ]
  [ "$(row processors)" = "0 shared" ]
  [ "$(row memory)" = "256 MiB" ]
  # recorded like any update
  [ "$(jq -r .cpu.shares "$ROOT/$ID/resources.json")" = 512 ]
  [ "$(jq -r .memory.limit "$ROOT/$ID/resources.json")" = $((256 * MiB)) ]
  [ "$(jq -r .cpu.cpus "$ROOT/$ID/resources.json")" = 0 ]
}

@test "partition: --cap none and --memory unlimited lift the limits" {
  update_config ".linux.resources.cpu = {\"quota\": 20000, \"period\": 100000}
                | .linux.resources.memory = {\"limit\": $((64 * MiB))}"
  start_sleeper
  run sie partition --cap none --memory unlimited "$ID"
  assert_success
  [ "$(row cap)" = none ]
  [ "$(row memory)" = unlimited ]
  if [ "$(cg_version cpu)" = 1 ]; then assert_cg cpu cpu.cfs_quota_us - -1; fi
  if [ "$(cg_version cpu)" = 2 ]; then [ "$(ctr_read cpu - cpu.max | cut -d' ' -f1)" = max ]; fi
  lim=$(ctr_read memory memory.limit_in_bytes memory.max)
  [ "$lim" = max ] || [ "$lim" -ge $((1 << 62)) ] || fail "memory limit still $lim"
}

@test "partition: --cap uses the period in effect" {
  update_config '.linux.resources.cpu = {"period": 50000}'
  start_sleeper
  run sie partition --cap 2 "$ID"
  assert_success
  assert_output_match '^cap +2\.00 CPUs +\(quota 100000us per 50000us\)$'
}

@test "partition: --format json" {
  update_config ".linux.resources.cpu = {\"shares\": 2048, \"quota\": 25000, \"period\": 100000}
                | .linux.resources.memory = {\"limit\": $((128 * MiB))}"
  start_sleeper
  run sie partition --format json "$ID"
  assert_success
  [ "$(jq -r .container <<< "$output")" = "$ID" ]
  [ "$(jq -r .weight.shares <<< "$output")" = 2048 ]
  [ "$(jq -r .weight.weight <<< "$output")" = "$(cg_shares_to_weight 2048)" ]
  [ "$(jq -r .weight.file <<< "$output")" = "$(cg_name cpu cpu.shares cpu.weight)" ]
  [ "$(jq -r .cap.cpus <<< "$output")" = 0.25 ]
  [ "$(jq -r .cap.quota <<< "$output")" = 25000 ]
  [ "$(jq -r .cap.period <<< "$output")" = 100000 ]
  [ "$(jq -r .processors.cpus <<< "$output")" = "$(ctr_read cpuset cpuset.cpus cpuset.cpus.effective)" ]
  [ "$(jq -r .processors.dedicated <<< "$output")" = false ]
  [ "$(jq -r .memory.limit <<< "$output")" = $((128 * MiB)) ]
  [ "$(jq -r .memory.reservation <<< "$output")" = -1 ]
  [ "$(jq -r .memory.usage <<< "$output")" -gt 0 ]
  run sie partition -f json --cap none "$ID"
  assert_success
  [ "$(jq -r .cap.cpus <<< "$output")" = null ]
  [ "$(jq -r .cap.quota <<< "$output")" = -1 ]
}

@test "partition: --dedicated is refused by this host's kernel with its reason; nothing changes" {
  # Under a parent of its own, so a dedicated cpuset could never fence off
  # the cpus of other containers on this host.
  update_config ".linux.cgroupsPath = \"/$ID-lpar/$ID\""
  start_sleeper
  run sie partition --dedicated "$ID"
  # v1: the kernel wants the parent cpu_exclusive too (EACCES);
  # v2: a partition root needs a partition root parent.
  assert_error_line "$ID"
  if [ "$(cg_version cpuset)" = 1 ]; then
    assert_output_match 'dedicated processors: .*/cpuset\.cpu_exclusive: Permission denied \(the parent cpuset .*/'"$ID"'-lpar is not cpu_exclusive'
  else
    assert_output_match 'dedicated processors: .*/cpuset\.cpus\.partition: .*(root invalid|Invalid argument)'
  fi
  assert_output_match 'nothing was changed'
  if [ "$(cg_version cpuset)" = 1 ]; then
    assert_cg cpuset cpuset.cpu_exclusive - 0
  else
    assert_cg cpuset - cpuset.cpus.partition member
  fi
  run sie partition "$ID"
  assert_success
  assert_output_match '^processors +[0-9,-]+ shared '
  run sie delete --force "$ID"
  assert_success
  assert_no_leftovers "$ID"
  [ ! -d "$(cg_mount cpuset)/$ID-lpar" ] || fail "parent cgroup left behind"
}

@test "partition: --shared keeps a shared cpuset as it is" {
  start_sleeper
  run sie partition --shared --processors 0 "$ID"
  assert_success
  [ "$(row processors)" = "0 shared" ]
}

@test "partition: bad values name the flag; nothing changes" {
  start_sleeper
  for bad in "--weight 1" "--weight 262145" "--weight x" "--cap 0" "--cap -1" "--cap lots" \
             "--cap 0.001" "--memory 0" "--memory lots" "--processors x" "--format yaml"; do
    run sie partition $bad "$ID"
    assert_error_line "$ID"
    assert_output_match -- "partition: ${bad%% *}: "
  done
  run sie partition --dedicated --shared "$ID"
  assert_error_line "$ID"
  assert_output_match 'exclude each other'
  [ ! -e "$ROOT/$ID/resources.json" ]
}

@test "partition: a stopped or missing container fails clearly" {
  run sie partition "$ID"
  assert_error_line "$ID"
  assert_output_match 'does not exist'
  set_args true
  run_detached "$ID"
  wait_status "$ID" stopped
  run sie partition "$ID"
  assert_error_line "$ID"
  assert_output_match 'container is stopped'
  run sie partition --weight 100 "$ID"
  assert_error_line "$ID"
  assert_output_match 'container is stopped'
}
