#include "vmshim/agent/server.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vmshim/agent/session.h"

static int
listen_vsock (unsigned port, sie_error_t *err)
{
  cleanup_close int fd = socket (AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_vm addr = {
    .svm_family = AF_VSOCK,
    .svm_cid = VMADDR_CID_ANY,
    .svm_port = port,
  };

  if (fd < 0)
    return sie_error (err, errno, "vsock socket");
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return sie_error (err, errno, "vsock bind port %u", port);
  if (listen (fd, 16) < 0)
    return sie_error (err, errno, "vsock listen port %u", port);
  return move_fd (fd);
}

static int
listen_unix (const char *path, sie_error_t *err)
{
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  if (strlen (path) >= sizeof addr.sun_path)
    return sie_error (err, ENAMETOOLONG, "unix socket %s", path);
  strcpy (addr.sun_path, path);
  if (fd < 0)
    return sie_error (err, errno, "unix socket %s", path);
  if (unlink (path) < 0 && errno != ENOENT)
    return sie_error (err, errno, "unlink %s", path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return sie_error (err, errno, "bind %s", path);
  if (listen (fd, 16) < 0)
    return sie_error (err, errno, "listen %s", path);
  return move_fd (fd);
}

int
sie_agent_listen (const struct sie_agent_options *opt, sie_error_t *err)
{
  if (opt->unix_path != NULL)
    return listen_unix (opt->unix_path, err);
  return listen_vsock (opt->port, err);
}

static void
reap_children (void)
{
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

static void
spawn_session (int listen_fd, int sig_fd, const struct sie_agent_options *opt)
{
  cleanup_close int conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  pid_t pid;

  /* A failed accept (the peer left, no memory) costs one connection, never
   * the agent. */
  if (conn < 0)
    {
      if (errno != EINTR && errno != EAGAIN)
        fprintf (stderr, "sie-agent: accept: %s\n", strerror (errno));
      return;
    }
  pid = fork ();
  if (pid < 0)
    {
      fprintf (stderr, "sie-agent: fork for a connection: %s\n", strerror (errno));
      return;
    }
  if (pid == 0)
    {
      close (listen_fd);
      close (sig_fd);
      sie_agent_session (conn, opt);
      _exit (0);
    }
}

/* Returns 1 on a request to stop (host mode only). */
static int
handle_signals (int sig_fd, const struct sie_agent_options *opt)
{
  struct signalfd_siginfo si;
  int stop = 0;

  while (read (sig_fd, &si, sizeof si) == sizeof si)
    if (si.ssi_signo == SIGTERM && !opt->guest)
      stop = 1;
  reap_children ();
  return stop;
}

int
sie_agent_serve (int listen_fd, const struct sie_agent_options *opt, sie_error_t *err)
{
  cleanup_close int sig_fd = -1;
  sigset_t mask;

  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigaddset (&mask, SIGTERM);
  if (sigprocmask (SIG_BLOCK, &mask, NULL) < 0)
    return sie_error (err, errno, "sigprocmask");
  sig_fd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0)
    return sie_error (err, errno, "signalfd");

  for (;;)
    {
      struct pollfd p[2] = { { listen_fd, POLLIN, 0 }, { sig_fd, POLLIN, 0 } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return sie_error (err, errno, "poll");
        }
      if (p[1].revents && handle_signals (sig_fd, opt))
        return 0;
      if (p[0].revents)
        spawn_session (listen_fd, sig_fd, opt);
    }
}
