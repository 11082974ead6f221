/* Detects the host's cgroup layout once: which hierarchies are mounted,
 * what each one controls and where this process sits in it. */
#include "cgroups/layout_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

void
sie_cgroup_unescape_octal (char *s)
{
  char *w = s;
  for (char *r = s; *r; r++)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7'
          && r[3] >= '0' && r[3] <= '7')
        {
          *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
          r += 3;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
}

bool
sie_cgroup_list_has (const char *list, char sep, const char *word)
{
  size_t wl = strlen (word);
  const char *p = list;

  if (list == NULL)
    return false;
  while (*p)
    {
      const char *end = strchr (p, sep);
      size_t len = end ? (size_t) (end - p) : strlen (p);
      if (len == wl && memcmp (p, word, wl) == 0)
        return true;
      if (end == NULL)
        break;
      p = end + 1;
    }
  return false;
}

/* One line of /proc/self/cgroup: "4:memory:/a/b" or "0::/a". */
struct proc_cgroup_line
{
  char *controllers; /* "" for the v2 line */
  char *path;
};

static void
proc_cgroup_lines_free (struct proc_cgroup_line *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (l[i].controllers);
      free (l[i].path);
    }
  free (l);
}

static int
parse_proc_cgroup (const char *text, struct proc_cgroup_line **out, size_t *n_out,
                   sie_error_t *err)
{
  struct proc_cgroup_line *lines = NULL;
  size_t n = 0;
  const char *p = text;

  while (*p)
    {
      const char *eol = strchrnul (p, '\n');
      const char *c1 = memchr (p, ':', eol - p);
      const char *c2 = c1 ? memchr (c1 + 1, ':', eol - c1 - 1) : NULL;

      if (eol > p)
        {
          struct proc_cgroup_line *grown;
          if (c2 == NULL)
            {
              proc_cgroup_lines_free (lines, n);
              return sie_error (err, 0, "/proc/self/cgroup: malformed line \"%.*s\"",
                                (int) (eol - p), p);
            }
          grown = realloc (lines, (n + 1) * sizeof (*lines));
          if (grown == NULL)
            {
              proc_cgroup_lines_free (lines, n);
              return sie_error (err, errno, "/proc/self/cgroup");
            }
          lines = grown;
          lines[n].controllers = strndup (c1 + 1, c2 - c1 - 1);
          lines[n].path = strndup (c2 + 1, eol - c2 - 1);
          n++;
          if (lines[n - 1].controllers == NULL || lines[n - 1].path == NULL)
            {
              proc_cgroup_lines_free (lines, n);
              return sie_error (err, ENOMEM, "/proc/self/cgroup");
            }
        }
      p = *eol ? eol + 1 : eol;
    }
  *out = lines;
  *n_out = n;
  return 0;
}

static bool
is_v1_controller (const struct proc_cgroup_line *lines, size_t n, const char *opt)
{
  for (size_t i = 0; i < n; i++)
    if (lines[i].controllers[0] && sie_cgroup_list_has (lines[i].controllers, ',', opt))
      return true;
  return false;
}

/* The super options of a v1 mount that are controllers, comma separated. */
static char *
v1_controllers (const char *superopts, const struct proc_cgroup_line *lines, size_t n)
{
  cleanup_free char *copy = strdup (superopts);
  char *out = NULL, *save = NULL;
  size_t len = 0;

  if (copy == NULL)
    return NULL;
  out = calloc (1, strlen (superopts) + 1);
  if (out == NULL)
    return NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    if (is_v1_controller (lines, n, tok))
      len += sprintf (out + len, "%s%s", len ? "," : "", tok);
  return out;
}

/* The line of /proc/self/cgroup that belongs to a hierarchy. */
static const char *
own_cgroup (const struct proc_cgroup_line *lines, size_t n, bool v2, const char *controllers)
{
  cleanup_free char *first = NULL;

  if (v2)
    {
      for (size_t i = 0; i < n; i++)
        if (lines[i].controllers[0] == '\0')
          return lines[i].path;
      return NULL;
    }
  first = strndup (controllers, strcspn (controllers, ","));
  for (size_t i = 0; first && i < n; i++)
    if (sie_cgroup_list_has (lines[i].controllers, ',', first))
      return lines[i].path;
  return NULL;
}

/* The own cgroup as seen below the mount, whose root may be a subtree
 * (a bind mount of /docker/<id>, say). */
static char *
path_under_mount (const char *mount_root, const char *own)
{
  size_t rl = strlen (mount_root);

  if (own == NULL)
    return strdup ("/");
  if (strcmp (mount_root, "/") == 0)
    return sie_cgroup_clean_path (own);
  if (strncmp (own, mount_root, rl) == 0 && (own[rl] == '\0' || own[rl] == '/'))
    return sie_cgroup_clean_path (own + rl);
  return strdup ("/");
}

struct mountinfo_entry
{
  char *devno;
  char *root;
  char *mountpoint;
  char *fstype;
  char *superopts;
};

/* Splits one mountinfo line in place; false when it is not a full line. */
static bool
split_mountinfo (char *line, struct mountinfo_entry *e)
{
  char *fields[6], *save = NULL, *tok;
  int i = 0;

  for (tok = strtok_r (line, " ", &save); tok && i < 6; tok = strtok_r (NULL, " ", &save))
    fields[i++] = tok;
  if (i < 6)
    return false;
  /* optional fields run up to the lone "-" separator */
  while (tok && strcmp (tok, "-") != 0)
    tok = strtok_r (NULL, " ", &save);
  if (tok == NULL)
    return false;
  e->devno = fields[2];
  e->root = fields[3];
  e->mountpoint = fields[4];
  e->fstype = strtok_r (NULL, " ", &save);
  (void) strtok_r (NULL, " ", &save); /* source */
  e->superopts = strtok_r (NULL, " ", &save);
  if (e->fstype == NULL || e->superopts == NULL)
    return false;
  sie_cgroup_unescape_octal (e->root);
  sie_cgroup_unescape_octal (e->mountpoint);
  return true;
}

void
sie_cgroup_layout_clear (struct sie_cgroup_layout *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->h[i].mountpoint);
      free (l->h[i].controllers);
      free (l->h[i].own_path);
    }
  free (l->h);
  l->h = NULL;
  l->n = 0;
}

static int
add_hierarchy (struct sie_cgroup_layout *l, const struct mountinfo_entry *e, bool v2,
               char *controllers, const struct proc_cgroup_line *lines, size_t n_lines,
               sie_error_t *err)
{
  struct sie_cgroup_hierarchy *grown = realloc (l->h, (l->n + 1) * sizeof (*l->h));
  struct sie_cgroup_hierarchy *h;

  if (grown == NULL)
    {
      free (controllers);
      return sie_error (err, errno, "cgroup layout");
    }
  l->h = grown;
  h = &l->h[l->n++];
  h->v2 = v2;
  h->controllers = controllers;
  h->mountpoint = strdup (e->mountpoint);
  h->own_path = path_under_mount (e->root, own_cgroup (lines, n_lines, v2, controllers));
  if (h->mountpoint == NULL || h->own_path == NULL)
    return sie_error (err, ENOMEM, "cgroup layout");
  return 0;
}

int
sie_cgroup_parse_layout (const char *mountinfo, const char *proc_cgroup,
                         struct sie_cgroup_layout *out, sie_error_t *err)
{
  struct proc_cgroup_line *lines = NULL;
  size_t n_lines = 0;
  cleanup_free char *text = strdup (mountinfo);
  /* devnos already taken, one per hierarchy, to collapse bind mounts */
  cleanup_free char *seen = strdup (" ");
  char *save = NULL;
  int ret = 0;

  memset (out, 0, sizeof (*out));
  if (text == NULL || seen == NULL)
    return sie_error (err, ENOMEM, "cgroup layout");
  if (parse_proc_cgroup (proc_cgroup, &lines, &n_lines, err) < 0)
    return -1;

  for (char *line = strtok_r (text, "\n", &save); line && ret == 0;
       line = strtok_r (NULL, "\n", &save))
    {
      struct mountinfo_entry e;
      bool v2;
      char *controllers = NULL, *grown;
      cleanup_free char *key = NULL;

      if (!split_mountinfo (line, &e))
        continue;
      v2 = strcmp (e.fstype, "cgroup2") == 0;
      if (!v2 && strcmp (e.fstype, "cgroup") != 0)
        continue;
      if (asprintf (&key, " %s ", e.devno) < 0)
        {
          ret = sie_error (err, ENOMEM, "cgroup layout");
          break;
        }
      if (strstr (seen, key))
        continue;
      if (!v2)
        {
          controllers = v1_controllers (e.superopts, lines, n_lines);
          if (controllers == NULL)
            {
              ret = sie_error (err, ENOMEM, "cgroup layout");
              break;
            }
          if (controllers[0] == '\0')
            {
              free (controllers);
              continue;
            }
        }
      grown = realloc (seen, strlen (seen) + strlen (key) + 1);
      if (grown == NULL)
        {
          free (controllers);
          ret = sie_error (err, ENOMEM, "cgroup layout");
          break;
        }
      seen = grown;
      strcat (seen, key + 1);
      ret = add_hierarchy (out, &e, v2, controllers, lines, n_lines, err);
    }
  proc_cgroup_lines_free (lines, n_lines);
  if (ret < 0)
    sie_cgroup_layout_clear (out);
  return ret;
}

enum sie_cgroup_mode
sie_cgroup_layout_mode (const struct sie_cgroup_layout *l)
{
  bool v1 = false, v2_owns = false;

  for (size_t i = 0; i < l->n; i++)
    {
      if (!l->h[i].v2)
        v1 = true;
      else if (l->h[i].controllers && l->h[i].controllers[0])
        v2_owns = true;
    }
  if (!v1)
    return SIE_CGROUP_V2;
  return v2_owns ? SIE_CGROUP_HYBRID : SIE_CGROUP_V1;
}

const char *
sie_cgroup_mode_name (enum sie_cgroup_mode m)
{
  switch (m)
    {
    case SIE_CGROUP_V1:
      return "v1";
    case SIE_CGROUP_V2:
      return "v2";
    case SIE_CGROUP_HYBRID:
      return "hybrid";
    }
  return "unknown";
}

static char *
read_text (const char *path)
{
  cleanup_file FILE *f = fopen (path, "re");
  char *buf = NULL;
  size_t len = 0;
  FILE *mem;

  if (f == NULL)
    return NULL;
  mem = open_memstream (&buf, &len);
  if (mem == NULL)
    return NULL;
  for (int c; (c = getc (f)) != EOF;)
    putc (c, mem);
  if (fclose (mem) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

/* The controllers a cgroup2 mount can hand out, space separated. */
static char *
v2_root_controllers (const char *mountpoint)
{
  cleanup_free char *path = NULL;
  char *text;
  size_t len;

  if (asprintf (&path, "%s/cgroup.controllers", mountpoint) < 0)
    return NULL;
  text = read_text (path);
  if (text == NULL)
    return strdup ("");
  len = strlen (text);
  while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
    text[--len] = '\0';
  return text;
}

static int
detect (struct sie_cgroup_layout *l, sie_error_t *err)
{
  cleanup_free char *mountinfo = read_text ("/proc/self/mountinfo");
  cleanup_free char *proc_cgroup = read_text ("/proc/self/cgroup");

  if (mountinfo == NULL)
    return sie_error (err, errno, "read /proc/self/mountinfo");
  if (proc_cgroup == NULL)
    return sie_error (err, errno, "read /proc/self/cgroup");
  if (sie_cgroup_parse_layout (mountinfo, proc_cgroup, l, err) < 0)
    return -1;
  for (size_t i = 0; i < l->n; i++)
    if (l->h[i].v2)
      {
        l->h[i].controllers = v2_root_controllers (l->h[i].mountpoint);
        if (l->h[i].controllers == NULL)
          {
            sie_cgroup_layout_clear (l);
            return sie_error (err, ENOMEM, "cgroup layout");
          }
      }
  if (l->n == 0)
    return sie_error (err, 0, "no cgroup hierarchy is mounted (see /proc/self/mountinfo)");
  l->mode = sie_cgroup_layout_mode (l);
  return 0;
}

static struct sie_cgroup_layout cached;
static bool cached_ok;
static pthread_mutex_t cached_lock = PTHREAD_MUTEX_INITIALIZER;

int
sie_cgroup_layout_get (const struct sie_cgroup_layout **out, sie_error_t *err)
{
  int ret = 0;

  pthread_mutex_lock (&cached_lock);
  if (!cached_ok)
    {
      ret = detect (&cached, err);
      cached_ok = ret == 0;
    }
  pthread_mutex_unlock (&cached_lock);
  if (ret == 0)
    *out = &cached;
  return ret;
}
