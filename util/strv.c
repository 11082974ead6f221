#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
sie_strv_join (char *const *v, size_t n, const char *sep, const char *what, char **out,
               sie_error_t *err)
{
  size_t len = 1;
  char *s, *p;

  for (size_t i = 0; i < n; i++)
    len += strlen (v[i]) + strlen (sep);
  s = p = malloc (len);
  if (s == NULL)
    return sie_error (err, ENOMEM, "%s", what);
  *p = '\0';
  for (size_t i = 0; i < n; i++)
    p = stpcpy (stpcpy (p, i ? sep : ""), v[i]);
  *out = s;
  return 0;
}
