/* spec/state: the OCI state documents, byte for byte. */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "spec/state.h"
#include "tests/unit/tap.h"
#include "util/cleanup.h"

static const struct sie_kv annotations[] = {
  { "org.example/a", "1" },
  { "quote\"key", "line\nbreak\ttab \\ </script>" },
};

static const struct sie_oci_state running = {
  .oci_version = "1.0.2",
  .id = "c1",
  .status = "running",
  .pid = 4242,
  .bundle = "/srv/bundles/c1",
  .rootfs = "/srv/bundles/c1/rootfs",
  .created = "2026-11-22T01:02:03.123456789Z",
  .owner = "",
  .annotations = annotations,
  .n_annotations = 2,
};

static char *
state_json (const struct sie_oci_state *s, int runc_fields, int pretty)
{
  sie_error_t err = NULL;
  char *out = NULL;

  if (sie_oci_state_json (s, runc_fields, pretty, &out, &err) < 0)
    {
      printf ("# error: %s\n", err ? err->msg : "?");
      sie_error_release (&err);
    }
  return out;
}

static void
test_pretty (void)
{
  cleanup_free char *json = state_json (&running, 1, 1);

  is_str (json,
          "{\n"
          "  \"ociVersion\": \"1.0.2\",\n"
          "  \"id\": \"c1\",\n"
          "  \"pid\": 4242,\n"
          "  \"status\": \"running\",\n"
          "  \"bundle\": \"/srv/bundles/c1\",\n"
          "  \"rootfs\": \"/srv/bundles/c1/rootfs\",\n"
          "  \"created\": \"2026-11-22T01:02:03.123456789Z\",\n"
          "  \"owner\": \"\",\n"
          "  \"annotations\": {\n"
          "    \"org.example/a\": \"1\",\n"
          "    \"quote\\\"key\": \"line\\nbreak\\ttab \\\\ </script>\"\n"
          "  }\n"
          "}",
          "pretty state with runc's fields, 2-space indent, no trailing newline");
}

static void
test_compact (void)
{
  struct sie_oci_state s = running;
  cleanup_free char *hook = NULL, *stopped = NULL, *defaults = NULL;

  hook = state_json (&s, 0, 0);
  is_str (hook,
          "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"pid\":4242,\"status\":\"running\","
          "\"bundle\":\"/srv/bundles/c1\",\"annotations\":{\"org.example/a\":\"1\","
          "\"quote\\\"key\":\"line\\nbreak\\ttab \\\\ </script>\"}}",
          "compact hook state: one line, no runc fields");

  s.status = "stopped";
  s.pid = 0;
  s.n_annotations = 0;
  stopped = state_json (&s, 1, 0);
  is_str (stopped,
          "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"stopped\","
          "\"bundle\":\"/srv/bundles/c1\",\"rootfs\":\"/srv/bundles/c1/rootfs\","
          "\"created\":\"2026-11-22T01:02:03.123456789Z\",\"owner\":\"\"}",
          "stopped: pid and empty annotations omitted");

  struct sie_oci_state bare = { .id = "x", .status = "creating", .pid = 7 };
  defaults = state_json (&bare, 1, 0);
  is_str (defaults,
          "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"pid\":7,\"status\":\"creating\","
          "\"bundle\":\"\",\"rootfs\":\"\",\"created\":\"\",\"owner\":\"\"}",
          "absent ociVersion is 1.2.0, absent strings are empty");
}

static void
test_parses_back (void)
{
  cleanup_free char *json = state_json (&running, 1, 1);
  char why[128];
  yajl_val t = json ? yajl_tree_parse (json, why, sizeof (why)) : NULL;
  const char *p_ann[] = { "annotations", "quote\"key", NULL };
  const char *p_pid[] = { "pid", NULL };

  ok (t != NULL, "state JSON is valid JSON");
  if (t == NULL)
    return;
  is_str (YAJL_GET_STRING (yajl_tree_get (t, p_ann, yajl_t_string)),
          "line\nbreak\ttab \\ </script>", "escaped annotation reads back");
  ok (YAJL_IS_INTEGER (yajl_tree_get (t, p_pid, yajl_t_number))
          && YAJL_GET_INTEGER (yajl_tree_get (t, p_pid, yajl_t_number)) == 4242,
      "pid reads back");
  yajl_tree_free (t);
}

static void
test_seccomp_state (void)
{
  cleanup_free char *json = NULL, *nometa = NULL;
  sie_error_t err = NULL;
  struct sie_oci_state s = running;

  s.n_annotations = 1;
  ok (sie_seccomp_process_state_json (&s, 4343, "meta \"data\"", &json, &err) == 0,
      "seccomp process state");
  is_str (json,
          "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":4343,"
          "\"metadata\":\"meta \\\"data\\\"\",\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"c1\","
          "\"pid\":4242,\"status\":\"running\",\"bundle\":\"/srv/bundles/c1\","
          "\"annotations\":{\"org.example/a\":\"1\"}}}",
          "ContainerProcessState shape");

  s.oci_version = NULL;
  s.n_annotations = 0;
  s.status = "creating";
  ok (sie_seccomp_process_state_json (&s, 9, NULL, &nometa, &err) == 0, "without metadata");
  is_str (nometa,
          "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":9,\"state\":{"
          "\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"pid\":4242,\"status\":\"creating\","
          "\"bundle\":\"/srv/bundles/c1\"}}",
          "metadata omitted when absent, as runc's omitempty");
  sie_error_release (&err);
}

int
main (void)
{
  test_pretty ();
  test_compact ();
  test_parses_back ();
  test_seccomp_state ();
  return tap_done ();
}
