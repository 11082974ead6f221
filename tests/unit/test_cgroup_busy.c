/* sie_relocate_cgroup_in_use against this host's real cgroups: a cgroup
 * with processes (the root, this process's own) is in use, one that does
 * not exist is free, and the path is resolved as the restore resolves it
 * (linux.cgroupsPath, else <own cgroup>/<id>). */
#include <stdlib.h>
#include <string.h>

#include "relocate/internal.h"
#include "tests/unit/tap.h"

static int
probe (const char *id, const char *config, char **detail)
{
  sie_error_t err = NULL;
  int r = sie_relocate_cgroup_in_use (id, config, detail, &err);

  if (r < 0)
    printf ("#   error: %s\n", err->msg);
  sie_error_release (&err);
  return r;
}

int
main (void)
{
  char *detail = NULL;
  sie_error_t err = NULL;

  ok (probe ("c1", "{\"linux\": {\"cgroupsPath\": \"/\"}}", &detail) == 1, "the root cgroup holds processes");
  ok (detail && strncmp (detail, "cgroup /sys/fs/cgroup", 21) == 0
          && strstr (detail, " already holds processes") != NULL,
      "the detail names the directory: %s", detail ? detail : "(null)");
  free (detail);
  ok (probe ("c1", "{\"linux\": {\"cgroupsPath\": \".\"}}", &detail) == 1,
      "so does this process's own cgroup (a relative path is placed under it)");
  free (detail);
  ok (probe ("sie-unit-no-such-cgroup", "{\"linux\": {}}", &detail) == 0 && detail == NULL,
      "the default path <own cgroup>/<id> does not exist: free");
  ok (probe ("c1", "{\"linux\": {\"cgroupsPath\": \"/sie-unit/no/such/cgroup\"}}", &detail) == 0,
      "an absolute path that does not exist: free");
  ok (sie_relocate_cgroup_in_use ("c1", "{\"linux\": {\"cgroupsPath\": \"system.slice:sie:c1\"}}",
                                  &detail, &err) < 0
          && err && strstr (err->msg, "systemd"),
      "a systemd path is the restore's error");
  sie_error_release (&err);
  ok (sie_relocate_cgroup_in_use ("c1", "{not json", &detail, &err) < 0 && err,
      "a config that does not parse is an error");
  sie_error_release (&err);
  return tap_done ();
}
