#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/cleanup.h"

struct unit
{
  const char *name;
  uint64_t usec;
};

static const struct unit units[] = {
  { "us", 1 },
  { "ms", 1000 },
  { "s", 1000 * 1000 },
  { "m", 60ull * 1000 * 1000 },
  { "h", 3600ull * 1000 * 1000 },
};

/* Leading decimal digits into *n, *end past them; *overflow when they do
 * not fit.  False when there are none (a sign or space is not a digit). */
static bool
parse_digits (const char *s, uint64_t *n, const char **end, bool *overflow)
{
  uint64_t v = 0;
  const char *p = s;

  *overflow = false;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      uint64_t d = (uint64_t) (*p - '0');
      if (v > (UINT64_MAX - d) / 10)
        *overflow = true;
      else
        v = v * 10 + d;
    }
  *n = v;
  *end = p;
  return p != s;
}

int
sie_parse_duration (const char *flag, const char *s, uint64_t *usec, sie_error_t *err)
{
  const char *unit;
  uint64_t n;
  bool overflow;

  if (flag == NULL)
    flag = "duration";
  if (s == NULL || !parse_digits (s, &n, &unit, &overflow))
    return sie_error (err, 0, "%s %s: expected a duration such as 500ms, 30s or 2m", flag,
                      s ? s : "");
  for (size_t i = 0; i < ARRAY_SIZE (units); i++)
    {
      if (strcmp (unit, units[i].name) != 0)
        continue;
      if (overflow || n > UINT64_MAX / units[i].usec)
        return sie_error (err, 0, "%s %s: too large", flag, s);
      *usec = n * units[i].usec;
      return 0;
    }
  return sie_error (err, 0, "%s %s: expected a duration such as 500ms, 30s or 2m", flag, s);
}

void
sie_format_duration (uint64_t usec, char *buf, size_t len)
{
  if (len == 0)
    return;
  if (usec >= 1000 * 1000)
    snprintf (buf, len, "%.3f s", (double) usec / 1e6);
  else if (usec >= 1000)
    snprintf (buf, len, "%.1f ms", (double) usec / 1e3);
  else
    snprintf (buf, len, "%llu us", (unsigned long long) usec);
}
