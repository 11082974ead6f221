/* `start`: release a created container's init and report whether its exec
 * succeeded. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "runtime/query.h"
#include "spec/state.h"
#include "util/cleanup.h"
#include "util/log.h"

static int
connect_exec_socket (int dirfd, sie_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return sie_error (err, errno, "socket");
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, SIE_EXEC_SOCKET);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return sie_error (err, errno, "signal the container init to start");
  return move_fd (fd);
}

/* The init closes the connection by exec'ing (it is close-on-exec), or
 * writes why it could not. */
static int
await_exec (int conn, sie_error_t *err)
{
  char msg[4096];
  size_t used = 0;

  for (;;)
    {
      ssize_t n = read (conn, msg + used, sizeof msg - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || used + (size_t) n >= sizeof msg - 1)
        {
          if (n > 0)
            used += (size_t) n;
          break;
        }
      used += (size_t) n;
    }
  msg[used] = '\0';
  if (used > 0)
    return sie_error (err, 0, "%s", msg);
  return 0;
}

static void
run_poststart (const struct sie_container_info *info, const char *id)
{
  cleanup_free char *state = NULL;
  struct sie_container_info running = *info;
  sie_error_t ignored = NULL;

  if (info->cfg == NULL || info->cfg->hooks.n_hooks[SIE_HOOK_POSTSTART] == 0)
    return;
  running.status = SIE_STATUS_RUNNING;
  if (sie_container_info_json (&running, id, 0, &state, &ignored) == 0)
    sie_hooks_run_warn (&info->cfg->hooks, SIE_HOOK_POSTSTART, state);
  sie_error_release (&ignored);
}

int
sie_container_start (const char *root, const char *id, sie_error_t *err)
{
  struct sie_container_info info;
  cleanup_close int conn = -1;
  int ret;

  if (sie_container_info_load (root, id, true, &info, err) < 0)
    return -1;
  if (info.status != SIE_STATUS_CREATED)
    {
      ret = sie_error (err, 0, "cannot start a container in the %s state",
                       sie_status_name (info.status));
      goto out;
    }
  conn = connect_exec_socket (info.dirfd, err);
  if (conn < 0)
    {
      ret = -1;
      goto out;
    }
  unlinkat (info.dirfd, SIE_EXEC_SOCKET, 0);
  sie_debug ("start: released pid %d", info.st->pid);
  ret = await_exec (conn, err);
  if (ret == 0)
    run_poststart (&info, id);
out:
  sie_container_info_release (&info);
  return ret;
}
