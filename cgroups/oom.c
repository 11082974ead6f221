#include "cgroups/oom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/stats.h"
#include "util/cleanup.h"

struct sie_oom_watch
{
  bool v2;
  int fd;           /* v1: the eventfd; v2: the inotify instance */
  int oom_control;  /* v1: memory.oom_control, held for the registration */
  char *dir;
  uint64_t oom_kills; /* v2: memory.events oom_kill seen so far */
};

void
sie_oom_watch_free (struct sie_oom_watch *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  if (w->oom_control >= 0)
    close (w->oom_control);
  free (w->dir);
  free (w);
}

static void
oom_watch_freep (struct sie_oom_watch **w)
{
  sie_oom_watch_free (*w);
}

int
sie_oom_watch_fd (const struct sie_oom_watch *w)
{
  return w->fd;
}

static int
read_oom_kills (const char *dir, uint64_t *out, bool *gone, sie_error_t *err)
{
  cleanup_free char *text = sie_cg_read (dir, "memory.events");
  struct sie_stats_kvs kvs = { 0 };

  *gone = false;
  if (text == NULL && errno == ENOENT)
    {
      *gone = true;
      return 0;
    }
  if (text == NULL)
    return sie_error (err, errno, "reading %s/memory.events", dir);
  if (sie_stats_parse_kv (text, "memory.events", &kvs, err) < 0)
    {
      sie_stats_kvs_clear (&kvs);
      return sie_error_prefix (err, "%s", dir);
    }
  *out = sie_stats_kv_get (&kvs, "oom_kill", NULL);
  sie_stats_kvs_clear (&kvs);
  return 0;
}

static int
open_v2 (struct sie_oom_watch *w, sie_error_t *err)
{
  cleanup_free char *path = NULL;
  bool gone;

  w->fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0)
    return sie_error (err, errno, "inotify_init1");
  if (asprintf (&path, "%s/memory.events", w->dir) < 0)
    return sie_error (err, ENOMEM, "watching for OOM");
  if (inotify_add_watch (w->fd, path, IN_MODIFY) < 0)
    return sie_error (err, errno, "watching %s", path);
  /* kills from before the watch started are not news */
  return read_oom_kills (w->dir, &w->oom_kills, &gone, err);
}

static int
open_v1 (struct sie_oom_watch *w, sie_error_t *err)
{
  cleanup_free char *path = NULL;

  if (asprintf (&path, "%s/memory.oom_control", w->dir) < 0)
    return sie_error (err, ENOMEM, "watching for OOM");
  w->oom_control = open (path, O_RDONLY | O_CLOEXEC);
  if (w->oom_control < 0)
    return sie_error (err, errno, "opening %s", path);
  w->fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->fd < 0)
    return sie_error (err, errno, "eventfd");
  return sie_cg_writef (w->dir, "cgroup.event_control", "OOM notification", err, "%d %d", w->fd,
                        w->oom_control);
}

int
sie_oom_watch_open (const struct sie_cgroup *cg, struct sie_oom_watch **out, sie_error_t *err)
{
  const struct sie_cgroup_dir *d = sie_cgroup_memory_dir (cg);
  __attribute__ ((cleanup (oom_watch_freep))) struct sie_oom_watch *w = NULL;

  *out = NULL;
  if (d == NULL)
    return 0;
  w = calloc (1, sizeof (*w));
  if (w == NULL || (w->dir = strdup (d->path)) == NULL)
    return sie_error (err, ENOMEM, "watching for OOM");
  w->fd = w->oom_control = -1;
  w->v2 = d->v2;
  if ((w->v2 ? open_v2 : open_v1) (w, err) < 0)
    return -1;
  *out = move_ptr (w);
  return 0;
}

static int
check_v2 (struct sie_oom_watch *w, bool *oom, sie_error_t *err)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  uint64_t kills = 0;
  bool gone;

  while (read (w->fd, buf, sizeof (buf)) > 0)
    ;
  if (read_oom_kills (w->dir, &kills, &gone, err) < 0)
    return -1;
  if (!gone && kills > w->oom_kills)
    {
      *oom = true;
      w->oom_kills = kills;
    }
  return 0;
}

/* The kernel also signals the eventfd when the cgroup is removed; then
 * cgroup.event_control is gone with it. */
static int
check_v1 (struct sie_oom_watch *w, bool *oom, sie_error_t *err)
{
  uint64_t count;

  if (read (w->fd, &count, sizeof (count)) != sizeof (count))
    {
      if (errno == EAGAIN)
        return 0;
      return sie_error (err, errno, "reading the OOM eventfd of %s", w->dir);
    }
  *oom = sie_cg_file_exists (w->dir, "cgroup.event_control");
  return 0;
}

int
sie_oom_watch_check (struct sie_oom_watch *w, bool *oom, sie_error_t *err)
{
  *oom = false;
  return (w->v2 ? check_v2 : check_v1) (w, oom, err);
}
