#include "passwd.h"

#include <stdlib.h>
#include <string.h>

/* Field `n` (0-based) of a colon-separated line, as [start, end). */
static int
field (const char *line, const char *eol, int n, const char **start, const char **end)
{
  const char *p = line;
  for (int i = 0; i < n; i++)
    {
      p = memchr (p, ':', (size_t) (eol - p));
      if (p == NULL)
        return -1;
      p++;
    }
  *start = p;
  *end = memchr (p, ':', (size_t) (eol - p));
  if (*end == NULL)
    *end = eol;
  return 0;
}

static int
line_home (const char *line, const char *eol, uid_t uid, char *out, size_t size)
{
  const char *s, *e;
  char num[16];
  char *numend;

  if (field (line, eol, 2, &s, &e) < 0 || e == s || (size_t) (e - s) >= sizeof num)
    return -1;
  memcpy (num, s, (size_t) (e - s));
  num[e - s] = '\0';
  if (strtoul (num, &numend, 10) != uid || *numend != '\0')
    return -1;
  if (field (line, eol, 5, &s, &e) < 0 || e == s || (size_t) (e - s) >= size)
    return -1;
  memcpy (out, s, (size_t) (e - s));
  out[e - s] = '\0';
  return 0;
}

int
sie_passwd_home (const char *passwd, uid_t uid, char *out, size_t size)
{
  for (const char *line = passwd; line && *line;)
    {
      const char *eol = strchr (line, '\n');
      if (eol == NULL)
        eol = line + strlen (line);
      if (*line != '#' && line_home (line, eol, uid, out, size) == 0)
        return 0;
      line = *eol ? eol + 1 : NULL;
    }
  return -1;
}
