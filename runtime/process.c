/* Process setup shared by the container's init and exec (runtime/process.h). */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/passwd.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

/* Closes every fd but stdio, the preserved ones and those in keep[], so no
 * host file (state dir, cgroup dirs) is open while the container's config
 * can still point the cwd at /proc/self/fd/N (CVE-2024-21626). */
void
sie_process_close_fds_except (int first_free, int *keep, size_t n)
{
  int from = first_free;
  qsort (keep, n, sizeof (int), cmp_int);
  for (size_t i = 0; i < n; i++)
    {
      if (keep[i] < from)
        continue;
      if (keep[i] > from)
        syscall (SYS_close_range, from, keep[i] - 1, 0);
      from = keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
}

int
sie_process_enter_cwd (const char *cwd, sie_error_t *err)
{
  char buf[4096];
  struct stat st;

  /* runc creates a missing cwd; it is resolved after pivot_root, so it
   * cannot name anything outside the container. */
  if (stat (cwd, &st) < 0 && errno == ENOENT)
    {
      cleanup_free char *tmp = strdup (cwd);
      for (char *p = tmp + 1; p && *p; p++)
        if (*p == '/')
          {
            *p = '\0';
            mkdir (tmp, 0755);
            *p = '/';
          }
      mkdir (tmp, 0755);
    }
  if (chdir (cwd) < 0)
    return sie_error (err, errno, "process.cwd: chdir %s", cwd);
  /* A cwd reached through a leaked host fd is outside the root: getcwd
   * then fails or answers "(unreachable)". */
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    return sie_error (err, 0, "process.cwd: %s is outside the container", cwd);
  return 0;
}

/* runc sets HOME from the container's /etc/passwd when the config has
 * none, and "/" for a user it does not list. */
int
sie_process_ensure_home (struct sie_process *p, sie_error_t *err)
{
  cleanup_free char *passwd = NULL;
  char home[4096] = "/";
  sie_error_t ignored = NULL;

  if (sie_process_env_get (p, "HOME"))
    return 0;
  if (sie_read_file_at (AT_FDCWD, "/etc/passwd", 4 << 20, &passwd, NULL, &ignored) == 0
      && sie_passwd_home (passwd, p->user.uid, home, sizeof home) < 0)
    strcpy (home, "/");
  sie_error_release (&ignored);
  return sie_process_env_append (p, err, "HOME=%s", home);
}

static const char *
env_path (const struct sie_process *p)
{
  const char *path = sie_process_env_get (p, "PATH");
  return path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* Resolves args[0] as execvp would, but up front, so a missing binary fails
 * `create` (runc does the same), not a later `start`. */
int
sie_process_resolve_executable (const struct sie_process *p, const char **out, sie_error_t *err)
{
  const char *arg0 = p->args[0];
  static char found[4096];
  const char *path;

  if (strchr (arg0, '/'))
    {
      if (access (arg0, X_OK) < 0)
        return sie_error (err, errno, "exec: \"%s\"", arg0);
      *out = arg0;
      return 0;
    }
  path = env_path (p);
  while (*path)
    {
      const char *end = strchrnul (path, ':');
      int n = snprintf (found, sizeof found, "%.*s/%s", (int) (end - path), path, arg0);
      struct stat st;
      if (n > 0 && (size_t) n < sizeof found && stat (found, &st) == 0 && S_ISREG (st.st_mode)
          && access (found, X_OK) == 0)
        {
          *out = found;
          return 0;
        }
      path = *end ? end + 1 : end;
    }
  return sie_error (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* Only stdio and the preserved fds survive execve. */
void
sie_process_mark_fds_for_exec (int preserve)
{
  for (int fd = 3; fd < 3 + preserve; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
  syscall (SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC);
}

void
sie_process_reset_signals (const sigset_t *mask)
{
  for (int sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  sigprocmask (SIG_SETMASK, mask, NULL);
}

int
sie_process_apply_attrs (const struct sie_process *p, const struct sie_linux *l, sie_error_t *err)
{
  if (sie_rlimits_apply (p, err) < 0)
    return -1;
  if (l && l->personality && sie_personality_apply (l->personality, err) < 0)
    return -1;
  if (p->io_priority && sie_io_priority_apply (p->io_priority, err) < 0)
    return -1;
  if (p->scheduler && sie_scheduler_apply (p->scheduler, err) < 0)
    return -1;
  if (l && l->memory_policy && sie_memory_policy_apply (l->memory_policy, err) < 0)
    return -1;
  return 0;
}

int
sie_process_drop_privileges (const struct sie_process *p, const struct sie_caps *caps,
                             struct sie_seccomp_prog *seccomp, sie_error_t *err)
{
  if (seccomp && !p->no_new_privileges && sie_seccomp_install (seccomp, NULL, err) < 0)
    return -1;
  if (caps && sie_caps_drop_bounding (caps, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sie_error (err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (sie_user_apply (&p->user, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return sie_error (err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (caps && sie_caps_apply (caps, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sie_error (err, errno, "process.noNewPrivileges");
  if (p->user.umask.set)
    umask ((mode_t) p->user.umask.v);
  if (seccomp && p->no_new_privileges && sie_seccomp_install (seccomp, NULL, err) < 0)
    return -1;
  return sie_lsm_apply_exec (p, err);
}
