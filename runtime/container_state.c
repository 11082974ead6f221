#include "container_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroups/cgroup.h"
#include "cgroups/freezer.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void
gen_str (yajl_gen g, const char *k, const char *v)
{
  yajl_gen_string (g, (const unsigned char *) k, strlen (k));
  v = v ? v : "";
  yajl_gen_string (g, (const unsigned char *) v, strlen (v));
}

static void
gen_int (yajl_gen g, const char *k, long long v)
{
  yajl_gen_string (g, (const unsigned char *) k, strlen (k));
  yajl_gen_integer (g, v);
}

int
sie_state_save (int dirfd, const struct sie_container_state *st, sie_error_t *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  int ret;

  if (g == NULL)
    return sie_error (err, ENOMEM, "state.json");
  yajl_gen_map_open (g);
  gen_str (g, "id", st->id);
  gen_int (g, "pid", st->pid);
  gen_int (g, "pid_start", (long long) st->pid_start);
  gen_str (g, "bundle", st->bundle);
  gen_str (g, "rootfs", st->rootfs);
  gen_str (g, "created", st->created);
  gen_str (g, "owner", st->owner);
  yajl_gen_string (g, (const unsigned char *) "ready", 5);
  yajl_gen_bool (g, st->ready);
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  ret = sie_write_file_atomic_at (dirfd, SIE_STATE_FILE, buf, len, 0600, err);
  yajl_gen_free (g);
  return ret;
}

static char *
tree_str (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  const char *s = v ? YAJL_GET_STRING (v) : NULL;
  return strdup (s ? s : "");
}

static long long
tree_int (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
sie_state_load (int dirfd, struct sie_container_state **out, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  char errbuf[256];
  yajl_val root;
  struct sie_container_state *st;

  if (sie_read_file_at (dirfd, SIE_STATE_FILE, 1 << 20, &data, NULL, err) < 0)
    return -1;
  root = yajl_tree_parse (data, errbuf, sizeof errbuf);
  if (root == NULL)
    return sie_error (err, 0, "state.json is corrupt: %s", errbuf);
  st = calloc (1, sizeof (*st));
  if (st == NULL)
    {
      yajl_tree_free (root);
      return sie_error (err, errno, "state.json");
    }
  st->id = tree_str (root, "id");
  st->pid = (pid_t) tree_int (root, "pid");
  st->pid_start = (unsigned long long) tree_int (root, "pid_start");
  st->bundle = tree_str (root, "bundle");
  st->rootfs = tree_str (root, "rootfs");
  st->created = tree_str (root, "created");
  st->owner = tree_str (root, "owner");
  {
    const char *path[] = { "ready", NULL };
    st->ready = YAJL_IS_TRUE (yajl_tree_get (root, path, yajl_t_true));
  }
  yajl_tree_free (root);
  *out = st;
  return 0;
}

void
sie_state_free (struct sie_container_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st);
}

int
sie_proc_stat (pid_t pid, unsigned long long *start, char *state)
{
  char path[64], buf[1024], *p;
  ssize_t n;
  cleanup_close int fd = -1;

  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may hold spaces and parens: fields start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  if (state)
    *state = *p;
  /* p is at field 3 (state); starttime is field 22. */
  for (int field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  if (start)
    *start = strtoull (p, NULL, 10);
  return 0;
}

bool
sie_state_pid_alive (const struct sie_container_state *st)
{
  unsigned long long start;
  char state;

  if (st->pid <= 0 || sie_proc_stat (st->pid, &start, &state) < 0)
    return false;
  return start == st->pid_start && state != 'Z' && state != 'X';
}

/* Paused is the freezer's word, not a recorded one, so that a container
 * frozen by a sie that then died still reads paused (and can be resumed).
 * This runs on every state and list: one small read of the saved cgroup,
 * an access() per v1 directory to find the freezer, one read of it. */
static bool
cgroup_frozen (int dirfd)
{
  struct sie_cgroup *cg = NULL;
  const struct sie_cgroup_dir *d;
  sie_error_t ignored = NULL;
  bool frozen = false;

  if (sie_cgroup_load (dirfd, SIE_CGROUP_FILE, &cg, &ignored) == 0
      && (d = sie_freezer_dir (cg, &ignored)) != NULL)
    frozen = sie_freezer_is_frozen (d, &ignored) == 1;
  sie_error_release (&ignored);
  sie_cgroup_free (cg);
  return frozen;
}

enum sie_status
sie_state_status (int dirfd, const struct sie_container_state *st)
{
  struct stat sb;

  if (!sie_state_pid_alive (st))
    return SIE_STATUS_STOPPED;
  if (!st->ready)
    return SIE_STATUS_CREATING;
  /* Before created, as runc: a created container can be paused too. */
  if (cgroup_frozen (dirfd))
    return SIE_STATUS_PAUSED;
  /* The init waits on exec.sock until start; start unlinks it. */
  if (fstatat (dirfd, SIE_EXEC_SOCKET, &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return SIE_STATUS_CREATED;
  return SIE_STATUS_RUNNING;
}

const char *
sie_status_name (enum sie_status s)
{
  switch (s)
    {
    case SIE_STATUS_CREATING:
      return "creating";
    case SIE_STATUS_CREATED:
      return "created";
    case SIE_STATUS_RUNNING:
      return "running";
    case SIE_STATUS_PAUSED:
      return "paused";
    case SIE_STATUS_STOPPED:
      return "stopped";
    }
  return "unknown";
}
