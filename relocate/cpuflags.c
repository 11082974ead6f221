/* CPU flags as sorted sets of names (relocate/cpuflags.h). */
#include "relocate/cpuflags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"

#define BLANKS " \t\r\n"

/* The labels of the flags line: x86, arm64, s390x. */
static const char *const flag_labels[] = { "flags", "Features", "features" };

void
sie_cpuflags_release (struct sie_cpuflags *f)
{
  for (size_t i = 0; f->v && i < f->n; i++)
    free (f->v[i]);
  free (f->v);
  f->v = NULL;
  f->n = 0;
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The set invariant: sorted, each name once. */
static void
normalize (struct sie_cpuflags *f)
{
  size_t j = 0;

  if (f->n > 1)
    qsort (f->v, f->n, sizeof *f->v, cmp_names);
  for (size_t i = 0; i < f->n; i++)
    {
      if (j > 0 && strcmp (f->v[j - 1], f->v[i]) == 0)
        free (f->v[i]);
      else
        f->v[j++] = f->v[i];
    }
  f->n = j;
}

/* Room for cap names; calloc(0) may be NULL, so one slot at least. */
static int
reserve (struct sie_cpuflags *f, size_t cap, sie_error_t *err)
{
  f->v = calloc (cap ? cap : 1, sizeof *f->v);
  f->n = 0;
  return f->v ? 0 : sie_error (err, ENOMEM, "CPU flags");
}

static int
append (struct sie_cpuflags *f, const char *name, size_t len, sie_error_t *err)
{
  char *s = strndup (name, len);

  if (s == NULL)
    return sie_error (err, ENOMEM, "CPU flags");
  f->v[f->n++] = s;
  return 0;
}

static size_t
count_words (const char *s)
{
  size_t n = 0;

  for (s += strspn (s, BLANKS); *s; s += strspn (s, BLANKS))
    {
      n++;
      s += strcspn (s, BLANKS);
    }
  return n;
}

int
sie_cpuflags_parse_line (const char *line, struct sie_cpuflags *out, sie_error_t *err)
{
  cleanup_cpuflags struct sie_cpuflags f = { 0 };
  const char *colon = strchr (line, ':'), *s;

  if (colon)
    line = colon + 1;
  if (strchr (line, ':') != NULL)
    return sie_error (err, 0, "CPU flags: unexpected ':' in \"%.40s\"",
                      line + strspn (line, BLANKS));
  if (reserve (&f, count_words (line), err) < 0)
    return -1;
  for (s = line + strspn (line, BLANKS); *s; s += strspn (s, BLANKS))
    {
      size_t len = strcspn (s, BLANKS);
      if (append (&f, s, len, err) < 0)
        return -1;
      s += len;
    }
  normalize (&f);
  *out = f;
  f = (struct sie_cpuflags){ 0 };
  return 0;
}

int
sie_cpuflags_from_names (const char *const *names, size_t n, struct sie_cpuflags *out,
                         sie_error_t *err)
{
  cleanup_cpuflags struct sie_cpuflags f = { 0 };

  if (reserve (&f, n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      if (names[i][0] == '\0' || names[i][strcspn (names[i], BLANKS ":")] != '\0')
        return sie_error (err, 0, "CPU flags: \"%s\" is not a flag name", names[i]);
      if (append (&f, names[i], strlen (names[i]), err) < 0)
        return -1;
    }
  normalize (&f);
  *out = f;
  f = (struct sie_cpuflags){ 0 };
  return 0;
}

/* The flags of a cpuinfo line ("flags\t\t: fpu vme ..."), or NULL when the
 * line is another field. */
static const char *
flags_value (const char *line, size_t len)
{
  const char *colon = memchr (line, ':', len);
  size_t key;

  if (colon == NULL)
    return NULL;
  for (key = colon - line; key > 0 && strchr (" \t", line[key - 1]); key--)
    ;
  for (size_t i = 0; i < ARRAY_SIZE (flag_labels); i++)
    if (key == strlen (flag_labels[i]) && memcmp (line, flag_labels[i], key) == 0)
      return colon + 1;
  return NULL;
}

static int
parse_value (const char *value, size_t len, struct sie_cpuflags *out, sie_error_t *err)
{
  cleanup_free char *copy = strndup (value, len);

  if (copy == NULL)
    return sie_error (err, ENOMEM, "CPU flags");
  return sie_cpuflags_parse_line (copy, out, err);
}

int
sie_cpuflags_parse_cpuinfo (const char *text, const char *origin, struct sie_cpuflags *out,
                            sie_error_t *err)
{
  for (const char *line = text; *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *value = flags_value (line, len);

      if (value)
        return parse_value (value, len - (value - line), out, err);
      line += len + (line[len] == '\n');
    }
  return sie_error (err, 0, "%s: no flags (or Features) line", origin);
}

int
sie_cpuflags_read (const char *path, struct sie_cpuflags *out, sie_error_t *err)
{
  cleanup_file FILE *f = fopen (path, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  if (f == NULL)
    return sie_error (err, errno, "open %s", path);
  /* Line by line, stopping at the first CPU's flags: on a large machine
   * the later CPUs' entries cost the kernel time to generate. */
  while ((len = getline (&line, &cap, f)) > 0)
    {
      const char *value = flags_value (line, len);
      if (value)
        return parse_value (value, len - (value - line), out, err);
    }
  if (ferror (f))
    return sie_error (err, errno, "read %s", path);
  return sie_error (err, 0, "%s: no flags (or Features) line", path);
}

bool
sie_cpuflags_has (const struct sie_cpuflags *f, const char *name)
{
  return f->n > 0 && bsearch (&name, f->v, f->n, sizeof *f->v, cmp_names) != NULL;
}

/* The names of a that are (keep true) or are not (keep false) in b; both
 * sorted, so one merge pass. */
static int
select_names (const struct sie_cpuflags *a, const struct sie_cpuflags *b, bool keep,
              struct sie_cpuflags *out, sie_error_t *err)
{
  cleanup_cpuflags struct sie_cpuflags f = { 0 };
  size_t j = 0;

  if (reserve (&f, a->n, err) < 0)
    return -1;
  for (size_t i = 0; i < a->n; i++)
    {
      int c = 1;
      while (j < b->n && (c = strcmp (b->v[j], a->v[i])) < 0)
        j++;
      if ((j < b->n && c == 0) == keep && append (&f, a->v[i], strlen (a->v[i]), err) < 0)
        return -1;
    }
  *out = f;
  f = (struct sie_cpuflags){ 0 };
  return 0;
}

int
sie_cpuflags_intersect (const struct sie_cpuflags *a, const struct sie_cpuflags *b,
                        struct sie_cpuflags *out, sie_error_t *err)
{
  return select_names (a, b, true, out, err);
}

int
sie_cpuflags_diff (const struct sie_cpuflags *a, const struct sie_cpuflags *b,
                   struct sie_cpuflags *out, sie_error_t *err)
{
  return select_names (a, b, false, out, err);
}

int
sie_cpuflags_format (const struct sie_cpuflags *f, char **out, sie_error_t *err)
{
  return sie_strv_join (f->v, f->n, " ", "CPU flags", out, err);
}
