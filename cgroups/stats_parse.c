/* Pure parsers of cgroup v1 and v2 stat files (the text, not the files),
 * unit-tested in tests/unit/test_stats_parse.c. */
#include "cgroups/stats.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/stats_internal.h"
#include "util/cleanup.h"

/* Blanks of a cgroup file line; io.stat and blkio files use single
 * spaces, but a tolerant split costs nothing. */
#define BLANKS " \t"

/* Arrays grow in powers of two from 4, so the capacity follows from n. */
int
sie_stats_grow (void **v, size_t n, size_t elem, sie_error_t *err)
{
  void *p;

  if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
    return 0;
  p = realloc (*v, (n ? n * 2 : 4) * elem);
  if (p == NULL)
    return sie_error (err, ENOMEM, "reading cgroup stats");
  *v = p;
  return 0;
}

static int
u64_push (struct sie_u64_list *l, uint64_t v, sie_error_t *err)
{
  if (sie_stats_grow ((void **) &l->v, l->n, sizeof (*l->v), err) < 0)
    return -1;
  l->v[l->n++] = v;
  return 0;
}

static int
blkio_push (struct sie_blkio_list *l, const struct sie_blkio_entry *e, sie_error_t *err)
{
  if (sie_stats_grow ((void **) &l->e, l->n, sizeof (*l->e), err) < 0)
    return -1;
  l->e[l->n++] = *e;
  return 0;
}

/* Whole-token number; false when `s` is not one. */
static bool
token_u64 (const char *s, uint64_t *out)
{
  char *end;

  if (strcmp (s, "max") == 0)
    {
      *out = UINT64_MAX;
      return true;
    }
  if (s[0] == '-')
    {
      /* a negative number (-1 for "unlimited") reads as 0, as runc */
      errno = 0;
      (void) strtoll (s, &end, 10);
      *out = 0;
      return end != s && *end == '\0';
    }
  if (!isdigit ((unsigned char) s[0]))
    return false;
  errno = 0;
  *out = strtoull (s, &end, 10);
  return errno == 0 && *end == '\0';
}

int
sie_stats_parse_u64 (const char *text, const char *file, uint64_t *out, sie_error_t *err)
{
  size_t b = strspn (text, BLANKS "\n"), len = strlen (text + b);
  cleanup_free char *s = NULL;

  while (len > 0 && strchr (BLANKS "\n", text[b + len - 1]))
    len--;
  s = strndup (text + b, len);
  if (s == NULL)
    return sie_error (err, ENOMEM, "%s", file);
  if (!token_u64 (s, out))
    return sie_error (err, 0, "%s: expected a number, got \"%s\"", file, s);
  return 0;
}

int
sie_stats_parse_kv (const char *text, const char *file, struct sie_stats_kvs *out,
                    sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s", file);
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *fsave = NULL, *key = strtok_r (line, BLANKS, &fsave);
      char *val = key ? strtok_r (NULL, BLANKS, &fsave) : NULL;
      uint64_t v;

      if (key == NULL)
        continue;
      if (val == NULL || strtok_r (NULL, BLANKS, &fsave) != NULL || !token_u64 (val, &v))
        return sie_error (err, 0, "%s: malformed line \"%s%s%s\"", file, key, val ? " " : "",
                          val ? val : "");
      if (sie_stats_grow ((void **) &out->kv, out->n, sizeof (*out->kv), err) < 0)
        return -1;
      out->kv[out->n].key = strdup (key);
      if (out->kv[out->n].key == NULL)
        return sie_error (err, ENOMEM, "%s", file);
      out->kv[out->n++].value = v;
    }
  return 0;
}

uint64_t
sie_stats_kv_get (const struct sie_stats_kvs *kvs, const char *key, bool *found)
{
  for (size_t i = 0; i < kvs->n; i++)
    if (strcmp (kvs->kv[i].key, key) == 0)
      {
        if (found)
          *found = true;
        return kvs->kv[i].value;
      }
  if (found)
    *found = false;
  return 0;
}

static int
kv_cmp (const void *a, const void *b)
{
  return strcmp (((const struct sie_stats_kv *) a)->key, ((const struct sie_stats_kv *) b)->key);
}

void
sie_stats_kvs_sort (struct sie_stats_kvs *kvs)
{
  if (kvs->n > 1)
    qsort (kvs->kv, kvs->n, sizeof (*kvs->kv), kv_cmp);
}

void
sie_stats_kvs_clear (struct sie_stats_kvs *kvs)
{
  for (size_t i = 0; i < kvs->n; i++)
    free (kvs->kv[i].key);
  free (kvs->kv);
  kvs->kv = NULL;
  kvs->n = 0;
}

int
sie_stats_parse_u64_list (const char *text, const char *file, struct sie_u64_list *out,
                          sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s", file);
  for (char *t = strtok_r (copy, BLANKS "\n", &save); t; t = strtok_r (NULL, BLANKS "\n", &save))
    {
      uint64_t v;
      if (!token_u64 (t, &v))
        return sie_error (err, 0, "%s: expected a number, got \"%s\"", file, t);
      if (u64_push (out, v, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_stats_parse_usage_all (const char *text, struct sie_u64_list *kernel,
                           struct sie_u64_list *user, sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL, *line;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "cpuacct.usage_all");
  line = strtok_r (copy, "\n", &save); /* "cpu user system" */
  if (line == NULL)
    return 0;
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    {
      char *fsave = NULL, *f[4] = { NULL };
      uint64_t cpu, u, k;

      f[0] = strtok_r (line, BLANKS, &fsave);
      for (int i = 1; i < 4 && f[i - 1]; i++)
        f[i] = strtok_r (NULL, BLANKS, &fsave);
      if (f[0] == NULL)
        continue;
      if (f[2] == NULL || f[3] != NULL || !token_u64 (f[0], &cpu) || !token_u64 (f[1], &u)
          || !token_u64 (f[2], &k))
        return sie_error (err, 0, "cpuacct.usage_all: malformed line \"%s\"", f[0]);
      if (u64_push (kernel, k, err) < 0 || u64_push (user, u, err) < 0)
        return -1;
    }
  return 0;
}

/* "8:0" → major, minor. */
static bool
parse_devno (const char *s, uint64_t *major, uint64_t *minor)
{
  cleanup_free char *copy = strdup (s);
  char *colon = copy ? strchr (copy, ':') : NULL;

  if (colon == NULL)
    return false;
  *colon = '\0';
  return token_u64 (copy, major) && token_u64 (colon + 1, minor);
}

int
sie_stats_parse_blkio (const char *text, const char *file, struct sie_blkio_list *out,
                       sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s", file);
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *fsave = NULL, *f[4] = { NULL };
      struct sie_blkio_entry e = { 0 };
      int nf = 0;

      for (char *t = strtok_r (line, BLANKS, &fsave); t; t = strtok_r (NULL, BLANKS, &fsave))
        {
          if (nf == 3)
            return sie_error (err, 0, "%s: malformed line starting \"%s\"", file, f[0]);
          f[nf++] = t;
        }
      if (nf == 0 || (nf == 2 && strcmp (f[0], "Total") == 0))
        continue;
      if (nf < 2 || !parse_devno (f[0], &e.major, &e.minor) || !token_u64 (f[nf - 1], &e.value)
          || (nf == 3 && strlen (f[1]) >= sizeof (e.op)))
        return sie_error (err, 0, "%s: malformed line starting \"%s\"", file, f[0]);
      if (nf == 3)
        strcpy (e.op, f[1]);
      if (blkio_push (out, &e, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_stats_parse_io_stat (const char *text, struct sie_blkio_list *bytes,
                         struct sie_blkio_list *serviced, sie_error_t *err)
{
  static const struct
  {
    const char *key, *op;
    bool bytes;
  } map[] = {
    { "rbytes", "Read", true },
    { "wbytes", "Write", true },
    { "rios", "Read", false },
    { "wios", "Write", false },
  };
  cleanup_free char *copy = strdup (text);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "io.stat");
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *fsave = NULL, *dev = strtok_r (line, BLANKS, &fsave);
      struct sie_blkio_entry e = { 0 };

      if (dev == NULL)
        continue;
      if (!parse_devno (dev, &e.major, &e.minor))
        return sie_error (err, 0, "io.stat: malformed device \"%s\"", dev);
      for (char *t = strtok_r (NULL, BLANKS, &fsave); t; t = strtok_r (NULL, BLANKS, &fsave))
        {
          char *eq = strchr (t, '=');
          if (eq == NULL)
            return sie_error (err, 0, "io.stat: malformed field \"%s\"", t);
          *eq = '\0';
          for (size_t i = 0; i < ARRAY_SIZE (map); i++)
            {
              if (strcmp (t, map[i].key) != 0)
                continue;
              if (!token_u64 (eq + 1, &e.value))
                return sie_error (err, 0, "io.stat: %s: expected a number, got \"%s\"", t, eq + 1);
              strcpy (e.op, map[i].op);
              if (blkio_push (map[i].bytes ? bytes : serviced, &e, err) < 0)
                return -1;
            }
        }
    }
  return 0;
}

int
sie_stats_parse_cpulist (const char *text, const char *file, struct sie_u64_list *out,
                         sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL;

  if (copy == NULL)
    return sie_error (err, ENOMEM, "%s", file);
  for (char *item = strtok_r (copy, "," BLANKS "\n", &save); item;
       item = strtok_r (NULL, "," BLANKS "\n", &save))
    {
      char *dash = strchr (item, '-');
      uint64_t lo, hi;

      if (dash)
        *dash = '\0';
      if (!token_u64 (item, &lo) || (dash && (dash[1] == '-' || !token_u64 (dash + 1, &hi))))
        return sie_error (err, 0, "%s: malformed list item \"%s%s%s\"", file, item,
                          dash ? "-" : "", dash ? dash + 1 : "");
      if (dash == NULL)
        hi = lo;
      if (hi < lo || hi - lo > 65535 || hi == UINT64_MAX)
        return sie_error (err, 0, "%s: bad range %" PRIu64 "-%" PRIu64, file, lo, hi);
      for (uint64_t v = lo; v <= hi; v++)
        if (u64_push (out, v, err) < 0)
          return -1;
    }
  return 0;
}

char *
sie_stats_hugetlb_size (const char *name, const char *suffix)
{
  const char *size, *dot;

  if (strncmp (name, "hugetlb.", 8) != 0)
    return NULL;
  size = name + 8;
  dot = strchr (size, '.');
  if (dot == NULL || dot == size || strcmp (dot + 1, suffix) != 0)
    return NULL;
  return strndup (size, dot - size);
}

int
sie_stats_cpu_stat (const char *text, bool v2, struct sie_cgroup_stats *s, sie_error_t *err)
{
  struct sie_stats_kvs kvs = { 0 };

  if (sie_stats_parse_kv (text, "cpu.stat", &kvs, err) < 0)
    {
      sie_stats_kvs_clear (&kvs);
      return -1;
    }
  s->cpu.periods = sie_stats_kv_get (&kvs, "nr_periods", NULL);
  s->cpu.throttled_periods = sie_stats_kv_get (&kvs, "nr_throttled", NULL);
  if (v2)
    {
      s->cpu.total = sie_stats_kv_get (&kvs, "usage_usec", NULL) * 1000;
      s->cpu.user = sie_stats_kv_get (&kvs, "user_usec", NULL) * 1000;
      s->cpu.kernel = sie_stats_kv_get (&kvs, "system_usec", NULL) * 1000;
      s->cpu.throttled_time = sie_stats_kv_get (&kvs, "throttled_usec", NULL) * 1000;
    }
  else
    s->cpu.throttled_time = sie_stats_kv_get (&kvs, "throttled_time", NULL);
  sie_stats_kvs_clear (&kvs);
  return 0;
}
