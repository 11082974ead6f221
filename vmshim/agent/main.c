/* sie-agent: the guest's PID 1.  It sets up the guest, listens on vsock
 * port 1024 and serves the host (vmshim/agent/PROTOCOL.md).  Started as
 * anything but PID 1, it serves the same protocol without touching the
 * machine, on a Unix socket if asked: that is how it is tested on a host. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmshim/agent/pid1.h"
#include "vmshim/agent/server.h"

/* The kernel hands init the command line's unknown name=value words as
 * environment: `sie_agent_exit=poweroff` stops the VM cleanly right after
 * "ready", `sie_agent_exit=fail` ends PID 1 (a panic).  They let a VMM test
 * its exit paths before it has vsock. */
static int
test_exit (void)
{
  const char *what = getenv ("sie_agent_exit");

  if (what == NULL)
    return 0;
  if (strcmp (what, "poweroff") == 0)
    sie_agent_power_off ();
  fprintf (stderr, "sie-agent: exiting as sie_agent_exit=%s asks\n", what);
  return -1;
}

static int
usage (void)
{
  fprintf (stderr, "usage: sie-agent [--unix PATH | --port N]\n");
  return 2;
}

/* As PID 1, argv holds whatever the kernel command line left over: it is
 * not ours to parse. */
static int
parse_args (int argc, char **argv, struct sie_agent_options *opt)
{
  for (int i = 1; i < argc; i++)
    {
      char *end;
      if (strcmp (argv[i], "--unix") == 0 && i + 1 < argc)
        opt->unix_path = argv[++i];
      else if (strcmp (argv[i], "--port") == 0 && i + 1 < argc)
        {
          unsigned long port = strtoul (argv[++i], &end, 10);
          if (*end != '\0' || port == 0 || port > 0xffffffffUL)
            return -1;
          opt->port = port;
        }
      else
        return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct sie_agent_options opt = { .guest = getpid () == 1, .port = SIE_AGENT_VSOCK_PORT };
  sie_error_t err = NULL;
  int fd;

  if (!opt.guest && parse_args (argc, argv, &opt) < 0)
    return usage ();
  signal (SIGPIPE, SIG_IGN);
  /* A setup failure ends PID 1, which the kernel turns into a panic: the
   * VMM sees an error, not a clean stop. */
  if ((opt.guest && sie_agent_setup_pid1 (&err) < 0)
      || (fd = sie_agent_listen (&opt, &err)) < 0)
    goto fail;
  printf ("sie-agent: ready\n");
  fflush (stdout);
  if (opt.guest && test_exit () < 0)
    return 1;
  if (sie_agent_serve (fd, &opt, &err) < 0)
    goto fail;
  return 0;

fail:
  fprintf (stderr, "sie-agent: %s\n", err->msg);
  sie_error_release (&err);
  return 1;
}
