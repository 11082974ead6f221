/* process.env: lookups and the entries sie adds itself (HOME, LISTEN_FDS). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"

const char *
sie_process_env_get (const struct sie_process *p, const char *name)
{
  size_t len = strlen (name);
  for (char **e = p->env; e && *e; e++)
    if (strncmp (*e, name, len) == 0 && (*e)[len] == '=')
      return *e + len + 1;
  return NULL;
}

int
sie_process_env_append (struct sie_process *p, sie_error_t *err, const char *fmt, ...)
{
  char **env = realloc (p->env, (p->n_env + 2) * sizeof (char *));
  va_list ap;
  int n;

  if (env == NULL)
    return sie_error (err, errno, "process.env");
  p->env = env;
  va_start (ap, fmt);
  n = vasprintf (&env[p->n_env], fmt, ap);
  va_end (ap);
  if (n < 0)
    {
      env[p->n_env] = NULL;
      return sie_error (err, errno, "process.env");
    }
  env[++p->n_env] = NULL;
  return 0;
}
