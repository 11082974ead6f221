/* Image files over the wire: FILE_BEGIN {"name", "size"}, FILE_DATA
 * chunks, FILE_END.  The receiver takes only plain names into its own
 * directory and holds the sender to the size it announced and to a budget
 * for the whole relocation. */
#include "relocate/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relocate/wire.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CHUNK (1u << 20)

static int
send_begin (int sock, const char *name, uint64_t size, sie_error_t *err)
{
  struct jout o;
  cleanup_free char *doc = NULL;

  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "name", name);
  jout_key_int (&o, "size", (long long) size);
  jout_close (&o);
  if (jout_finish (&o, false, &doc, err) < 0)
    return -1;
  return sie_wire_send (sock, SIE_MSG_FILE_BEGIN, doc, strlen (doc), err);
}

/* CRIU's memory images: pages-<n>.img */
static bool
is_pages (const char *name)
{
  size_t n = strlen (name);
  return strncmp (name, "pages-", 6) == 0 && n > 10 && strcmp (name + n - 4, ".img") == 0;
}

static long
page_size (void)
{
  static long size;
  if (size == 0)
    size = sysconf (_SC_PAGESIZE);
  return size;
}

int
sie_xfer_send_file (int sock, int dirfd, const char *name, struct sie_xfer_progress *p,
                    sie_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *buf = malloc (CHUNK);
  struct stat st;
  ssize_t n;

  if (fd < 0 || fstat (fd, &st) < 0)
    return sie_error (err, errno, "open %s", name);
  if (buf == NULL)
    return sie_error (err, ENOMEM, "transfer");
  if (send_begin (sock, name, (uint64_t) st.st_size, err) < 0)
    return -1;
  while ((n = read (fd, buf, CHUNK)) > 0)
    {
      if (sie_wire_send (sock, SIE_MSG_FILE_DATA, buf, (size_t) n, err) < 0)
        return -1;
      p->bytes += (uint64_t) n;
      if (is_pages (name))
        p->pages += (uint64_t) n / (uint64_t) page_size ();
      if (p->tick && p->tick (p->data, err) < 0)
        return -1;
    }
  if (n < 0)
    return sie_error (err, errno, "read %s", name);
  p->files++;
  return sie_wire_send (sock, SIE_MSG_FILE_END, "{}", 2, err);
}

/* CRIU's logs stay with the host that wrote them. */
static bool
is_log (const char *name)
{
  size_t n = strlen (name);
  return n > 4 && strcmp (name + n - 4, ".log") == 0;
}

int
sie_xfer_send_dir (int sock, int dirfd, struct sie_xfer_progress *p, sie_error_t *err)
{
  int dup_fd = dup (dirfd);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;
  int ret = 0;

  if (d == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return sie_error (err, errno, "read the image directory");
    }
  while (ret == 0 && (de = readdir (d)) != NULL)
    if (de->d_type == DT_REG && !is_log (de->d_name))
      ret = sie_xfer_send_file (sock, dirfd, de->d_name, p, err);
  closedir (d);
  return ret;
}

/* A plain file name: no path, no hidden or special entries. */
static bool
plain_name (const char *s)
{
  size_t len = s ? strlen (s) : 0;
  return len > 0 && len < 256 && s[0] != '.' && strchr (s, '/') == NULL;
}

static int
receive_body (int sock, int fd, const char *name, uint64_t size, uint64_t *budget,
              sie_error_t *err)
{
  uint64_t got = 0;

  for (;;)
    {
      cleanup_free char *data = NULL;
      uint32_t type;
      size_t len;

      if (sie_wire_recv (sock, &type, &data, &len, err) < 0)
        return -1;
      if (type == SIE_MSG_FILE_END)
        break;
      if (type != SIE_MSG_FILE_DATA)
        return sie_error (err, 0, "%s: unexpected message %u inside a file", name, type);
      if (got + len > size || len > *budget)
        return sie_error (err, EFBIG, "%s: more data than announced or allowed", name);
      if (sie_write_all (fd, data, len) < 0)
        return sie_error (err, errno, "write %s", name);
      got += len;
      *budget -= len;
    }
  if (got != size)
    return sie_error (err, 0, "%s: %llu bytes of %llu arrived", name, (unsigned long long) got,
                      (unsigned long long) size);
  return 0;
}

int
sie_xfer_recv_file (int sock, int dirfd, const char *begin, uint64_t *budget, sie_error_t *err)
{
  yajl_val v = yajl_tree_parse (begin, NULL, 0);
  const char *name = v ? sie_json_str (v, "name") : NULL;
  long long size = v ? sie_json_int (v, "size", -1) : -1;
  int fd, ret;

  if (!plain_name (name) || size < 0)
    {
      yajl_tree_free (v);
      return sie_error (err, EINVAL, "refused a file with a bad name or size");
    }
  if ((uint64_t) size > *budget)
    {
      yajl_tree_free (v);
      return sie_error (err, EFBIG, "images larger than this destination accepts");
    }
  fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    ret = sie_error (err, errno, "create %s", name);
  else
    ret = receive_body (sock, fd, name, (uint64_t) size, budget, err);
  if (fd >= 0)
    close (fd);
  yajl_tree_free (v);
  return ret;
}
