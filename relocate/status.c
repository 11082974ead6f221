/* relocation.json in the container's state directory: what `relocate
 * --status` shows and how `relocate --cancel` finds the relocating process.
 * Written atomically, so a reader never sees half of it. */
#include "relocate/internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/statedir.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"

uint64_t
sie_now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

const char *
sie_json_str (yajl_val v, const char *key)
{
  const char *path[] = { key, NULL };
  return YAJL_GET_STRING (yajl_tree_get (v, path, yajl_t_string));
}

long long
sie_json_int (yajl_val v, const char *key, long long dflt)
{
  const char *path[] = { key, NULL };
  yajl_val n = yajl_tree_get (v, path, yajl_t_number);
  return n && YAJL_IS_INTEGER (n) ? YAJL_GET_INTEGER (n) : dflt;
}

bool
sie_json_bool (yajl_val v, const char *key)
{
  const char *path[] = { key, NULL };
  return YAJL_IS_TRUE (yajl_tree_get (v, path, yajl_t_true));
}

int
sie_reloc_status_write (int dirfd, const struct sie_reloc_status *s, sie_error_t *err)
{
  struct jout o;
  cleanup_free char *doc = NULL;

  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "id", s->id);
  jout_key_int (&o, "pid", getpid ());
  jout_key_str (&o, "destination", s->dest);
  jout_key_str (&o, "mode", s->mode);
  jout_key_str (&o, "stage", s->stage);
  jout_key_int (&o, "bytes", (long long) s->bytes);
  jout_key_int (&o, "files", (long long) s->files);
  jout_key_int (&o, "pages", (long long) s->pages);
  jout_key_int (&o, "elapsed_ms", (long long) ((sie_now_us () - s->started_us) / 1000));
  jout_close (&o);
  if (jout_finish (&o, true, &doc, err) < 0)
    return -1;
  return sie_write_file_atomic_at (dirfd, SIE_RELOC_STATUS_FILE, doc, strlen (doc), 0600, err);
}

void
sie_reloc_status_remove (int dirfd)
{
  unlinkat (dirfd, SIE_RELOC_STATUS_FILE, 0);
}

/* The status of one container, or NULL when none is in progress (no file,
 * or the process that wrote it is gone). */
static yajl_val
load_status (const char *root, const char *id)
{
  sie_error_t ignored = NULL;
  cleanup_close int dirfd = sie_statedir_open_unlocked (root, id, &ignored);
  cleanup_free char *data = NULL;
  size_t len;
  yajl_val v;

  sie_error_release (&ignored);
  if (dirfd < 0 || sie_read_file_at (dirfd, SIE_RELOC_STATUS_FILE, 1 << 16, &data, &len, NULL) < 0)
    return NULL;
  v = yajl_tree_parse (data, NULL, 0);
  if (v && kill ((pid_t) sie_json_int (v, "pid", 0), 0) < 0)
    {
      yajl_tree_free (v);
      return NULL;
    }
  return v;
}

static void
print_status (yajl_val v)
{
  printf ("%-20s %-22s %-10s %-12s %10.1f MiB %8lld pages %6lld files %8.1f s\n",
          sie_json_str (v, "id"), sie_json_str (v, "destination"), sie_json_str (v, "mode"),
          sie_json_str (v, "stage"), sie_json_int (v, "bytes", 0) / 1048576.0,
          sie_json_int (v, "pages", 0), sie_json_int (v, "files", 0),
          sie_json_int (v, "elapsed_ms", 0) / 1000.0);
}

int
sie_relocate_status (const char *root, const char *id, sie_error_t *err)
{
  char **ids = NULL;
  size_t n = 0, shown = 0;

  if (id)
    {
      yajl_val v = load_status (root, id);
      if (v == NULL)
        return sie_error (err, 0, "no relocation in progress");
      print_status (v);
      yajl_tree_free (v);
      return 0;
    }
  if (sie_statedir_list (root, &ids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      yajl_val v = load_status (root, ids[i]);
      if (v)
        {
          print_status (v);
          shown++;
        }
      yajl_tree_free (v);
      free (ids[i]);
    }
  free (ids);
  if (shown == 0)
    printf ("no relocations in progress\n");
  return 0;
}

int
sie_relocate_cancel (const char *root, const char *id, sie_error_t *err)
{
  yajl_val v = load_status (root, id);
  pid_t pid;

  if (v == NULL)
    return sie_error (err, 0, "no relocation in progress");
  pid = (pid_t) sie_json_int (v, "pid", 0);
  yajl_tree_free (v);
  if (kill (pid, SIGUSR1) < 0)
    return sie_error (err, errno, "signal the relocation (pid %d)", pid);
  /* the relocation stops at its next step and thaws the container */
  for (int i = 0; i < 600 && kill (pid, 0) == 0; i++)
    usleep (50000);
  if (kill (pid, 0) == 0)
    return sie_error (err, 0, "the relocation (pid %d) has not stopped after 30 s", pid);
  printf ("cancelled: %s keeps running here\n", id);
  return 0;
}
