#include "runtime/cpulist.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>

static const char *
skip_blanks (const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\n')
    s++;
  return s;
}

/* Reads a decimal number below CPU_SETSIZE; returns the end, or NULL. */
static const char *
parse_index (const char *s, unsigned int *out)
{
  unsigned long v = 0;

  if (!isdigit ((unsigned char) *s))
    return NULL;
  for (; isdigit ((unsigned char) *s); s++)
    {
      v = v * 10 + (unsigned long) (*s - '0');
      if (v >= CPU_SETSIZE)
        return NULL;
    }
  *out = (unsigned int) v;
  return s;
}

static int
invalid (const char *list, const char *what, const char *field, const char *cause,
         sie_error_t *err)
{
  return sie_error (err, 0, "%s: invalid %s list \"%s\": %s", field, what, list, cause);
}

static int
bad_number (const char *list, const char *what, const char *field, sie_error_t *err)
{
  return sie_error (err, 0, "%s: invalid %s list \"%s\": expected numbers from 0 to %d",
                    field, what, list, CPU_SETSIZE - 1);
}

int
sie_cpulist_parse (const char *list, const char *what, const char *field,
                   cpu_set_t *out, sie_error_t *err)
{
  const char *s = skip_blanks (list ? list : "");

  CPU_ZERO (out);
  if (*s == '\0')
    return 0;

  for (;;)
    {
      unsigned int lo, hi;

      s = parse_index (skip_blanks (s), &lo);
      if (s == NULL)
        return bad_number (list, what, field, err);
      hi = lo;
      if (*s == '-')
        {
          s = parse_index (s + 1, &hi);
          if (s == NULL)
            return bad_number (list, what, field, err);
          if (hi < lo)
            return invalid (list, what, field, "range end before its start", err);
        }
      for (unsigned int i = lo; i <= hi; i++)
        CPU_SET (i, out);

      s = skip_blanks (s);
      if (*s == '\0')
        return 0;
      if (*s != ',')
        return invalid (list, what, field, "expected ',' between items", err);
      s++;
    }
}
