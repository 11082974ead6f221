#include "statedir.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* The id as it may appear in a one-line message: control characters
 * escaped, long ids shortened. */
static void
printable_id (const char *id, char *buf, size_t size)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *) id; *p && n + 8 < size; p++)
    {
      if (n >= 64)
        {
          strcpy (buf + n, "...");
          return;
        }
      if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
        n += (size_t) snprintf (buf + n, size - n, "\\x%02x", *p);
      else
        buf[n++] = (char) *p;
    }
  buf[n] = '\0';
}

static bool
id_char_ok (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '+' || c == '-' || c == '.';
}

int
sie_id_validate (const char *id, sie_error_t *err)
{
  size_t len = id ? strlen (id) : 0;
  char shown[96];

  if (len == 0)
    return sie_error (err, 0, "invalid container id \"\": must not be empty");
  printable_id (id, shown, sizeof shown);
  if (len > SIE_ID_MAX)
    return sie_error (err, 0, "invalid container id \"%s\": longer than %d characters", shown,
                      SIE_ID_MAX);
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return sie_error (err, 0, "invalid container id \"%s\": reserved name", shown);
  for (const char *p = id; *p; p++)
    if (!id_char_ok (*p))
      return sie_error (err, 0,
                        "invalid container id \"%s\": only letters, digits and _+.- are allowed",
                        shown);
  return 0;
}

static int
ensure_root (const char *root, sie_error_t *err)
{
  if (mkdir (root, 0711) == 0 || errno == EEXIST)
    return 0;
  if (errno == ENOENT)
    {
      /* --root may name a new nested directory, as with runc. */
      cleanup_free char *parent = strdup (root);
      char *slash = parent ? strrchr (parent, '/') : NULL;
      if (slash && slash != parent)
        {
          *slash = '\0';
          if (ensure_root (parent, err) < 0)
            return -1;
          if (mkdir (root, 0711) == 0 || errno == EEXIST)
            return 0;
        }
    }
  return sie_error (err, errno, "create state root %s", root);
}

static int
lock_and_check (int dfd, const char *id, sie_error_t *err)
{
  struct stat st;

  if (flock (dfd, LOCK_EX) < 0)
    return sie_error (err, errno, "lock state of %s", id);
  /* A delete that held the lock before us has unlinked the directory. */
  if (fstat (dfd, &st) < 0)
    return sie_error (err, errno, "stat state of %s", id);
  if (st.st_nlink == 0)
    {
      sie_error (err, 0, "container does not exist");
      (*err)->status = ENOENT;
      return -1;
    }
  return 0;
}

int
sie_statedir_create (const char *root, const char *id, sie_error_t *err)
{
  cleanup_free char *path = NULL;
  int dfd;

  if (sie_id_validate (id, err) < 0 || ensure_root (root, err) < 0)
    return -1;
  if (asprintf (&path, "%s/%s", root, id) < 0)
    return sie_error (err, errno, "state path");
  if (mkdir (path, 0711) < 0)
    {
      if (errno == EEXIST)
        return sie_error (err, 0, "container with this id already exists");
      return sie_error (err, errno, "create state directory %s", path);
    }
  dfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      int saved = errno;
      rmdir (path);
      return sie_error (err, saved, "open %s", path);
    }
  if (flock (dfd, LOCK_EX) < 0)
    {
      int saved = errno;
      close (dfd);
      rmdir (path);
      return sie_error (err, saved, "lock %s", path);
    }
  return dfd;
}

int
sie_statedir_open_unlocked (const char *root, const char *id, sie_error_t *err)
{
  cleanup_free char *path = NULL;
  int dfd;

  if (sie_id_validate (id, err) < 0)
    return -1;
  if (asprintf (&path, "%s/%s", root, id) < 0)
    return sie_error (err, errno, "state path");
  dfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0)
    {
      if (errno == ENOENT)
        {
          sie_error (err, 0, "container does not exist");
          (*err)->status = ENOENT;
          return -1;
        }
      return sie_error (err, errno, "open %s", path);
    }
  return dfd;
}

int
sie_statedir_open (const char *root, const char *id, sie_error_t *err)
{
  cleanup_close int dfd = sie_statedir_open_unlocked (root, id, err);
  if (dfd < 0)
    return -1;
  if (lock_and_check (dfd, id, err) < 0)
    return -1;
  return move_fd (dfd);
}

int
sie_statedir_remove (const char *root, const char *id, sie_error_t *err)
{
  cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char mnt[PATH_MAX];

  if (rootfd < 0)
    return sie_error (err, errno, "open %s", root);
  /* A restore that crashed may have left the rootfs bound here. */
  snprintf (mnt, sizeof mnt, "%s/%s/criu-root", root, id);
  umount2 (mnt, MNT_DETACH);
  return sie_remove_tree_at (rootfd, id, err);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
sie_statedir_list (const char *root, char ***ids, size_t *n, sie_error_t *err)
{
  DIR *d = opendir (root);
  struct dirent *de;
  char **v = NULL;
  size_t count = 0;

  *ids = NULL;
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : sie_error (err, errno, "open %s", root);
  while ((de = readdir (d)) != NULL)
    {
      char **nv;
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      nv = realloc (v, (count + 2) * sizeof (*v));
      if (nv == NULL)
        break;
      v = nv;
      v[count++] = strdup (de->d_name);
      v[count] = NULL;
    }
  closedir (d);
  if (count)
    qsort (v, count, sizeof (*v), cmp_str);
  *ids = v;
  *n = count;
  return 0;
}
