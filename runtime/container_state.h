/* What sie remembers about a container between commands: state.json in its
 * state directory, plus the derived status. */
#ifndef SIE_CONTAINER_STATE_H
#define SIE_CONTAINER_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

struct sie_container_state
{
  char *id;
  pid_t pid;                     /* init pid in sie's pid namespace */
  unsigned long long pid_start;  /* its start time, guards against pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
  bool ready; /* false while create is still setting up */
};

enum sie_status
{
  SIE_STATUS_CREATING,
  SIE_STATUS_CREATED,
  SIE_STATUS_RUNNING,
  SIE_STATUS_PAUSED,
  SIE_STATUS_STOPPED,
};

#define SIE_STATE_FILE "state.json"
#define SIE_CONFIG_FILE "config.json"
#define SIE_CGROUP_FILE "cgroup"
#define SIE_EXEC_SOCKET "exec.sock"

int sie_state_save (int dirfd, const struct sie_container_state *st, sie_error_t *err);
/* A state directory without state.json (a create that crashed) loads as an
 * error with status ENOENT; delete --force still cleans it. */
int sie_state_load (int dirfd, struct sie_container_state **out, sie_error_t *err);
void sie_state_free (struct sie_container_state *st);

enum sie_status sie_state_status (int dirfd, const struct sie_container_state *st);
const char *sie_status_name (enum sie_status s);

/* Start time (field 22 of /proc/<pid>/stat) and run state letter.
 * Returns -1 when the process does not exist. */
int sie_proc_stat (pid_t pid, unsigned long long *start, char *state);

/* True when pid still names the process that was recorded. */
bool sie_state_pid_alive (const struct sie_container_state *st);

static inline void
sie_state_freep (struct sie_container_state **s)
{
  sie_state_free (*s);
}
#define cleanup_state __attribute__ ((cleanup (sie_state_freep)))

#endif
