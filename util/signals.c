#include "signals.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
parse_number (const char *s, int lo, int hi)
{
  char *end;
  long v;

  if (*s == '\0' || !isdigit ((unsigned char) *s))
    return -1;
  v = strtol (s, &end, 10);
  if (*end != '\0' || v < lo || v > hi)
    return -1;
  return (int) v;
}

static int
parse_rt (const char *s)
{
  int off;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    {
      if (s[5] == '\0')
        return SIGRTMIN;
      off = s[5] == '+' ? parse_number (s + 6, 0, SIGRTMAX - SIGRTMIN) : -1;
      return off < 0 ? -1 : SIGRTMIN + off;
    }
  if (strncasecmp (s, "RTMAX", 5) == 0)
    {
      if (s[5] == '\0')
        return SIGRTMAX;
      off = s[5] == '-' ? parse_number (s + 6, 0, SIGRTMAX - SIGRTMIN) : -1;
      return off < 0 ? -1 : SIGRTMAX - off;
    }
  return -1;
}

int
sie_signal_parse (const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit ((unsigned char) *s))
    return parse_number (s, 1, NSIG - 1);
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int sig = 1; sig < SIGRTMIN; sig++)
    {
      const char *name = sigabbrev_np (sig);
      if (name && strcasecmp (name, s) == 0)
        return sig;
    }
  return parse_rt (s);
}
