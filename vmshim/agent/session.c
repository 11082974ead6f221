#include "vmshim/agent/session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vmshim/agent/exec.h"
#include "vmshim/agent/pid1.h"
#include "vmshim/agent/request.h"

struct request_line
{
  char buf[SIE_AGENT_REQUEST_MAX + 1];
  size_t len;     /* bytes read */
  size_t end;     /* the newline's offset */
};

/* Reads until the first newline; what follows it stays in the buffer for
 * the frames.  Returns 1 when the host closed before sending anything. */
static int
read_request (int conn, struct request_line *l, sie_error_t *err)
{
  for (;;)
    {
      char *nl = memchr (l->buf, '\n', l->len);
      if (nl != NULL)
        {
          l->end = nl - l->buf;
          *nl = '\0';
          return 0;
        }
      if (l->len == SIE_AGENT_REQUEST_MAX)
        return sie_error (err, EMSGSIZE, "request: no newline in %d bytes", SIE_AGENT_REQUEST_MAX);
      ssize_t n = read (conn, l->buf + l->len, SIE_AGENT_REQUEST_MAX - l->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sie_error (err, errno, "request: read");
      if (n == 0)
        return l->len == 0 ? 1 : sie_error (err, EPROTO, "request: connection closed mid-line");
      l->len += n;
    }
}

static void
send_line (int conn, char *line)
{
  cleanup_free char *owned = line;
  size_t off = 0, len = owned ? strlen (owned) : 0;

  while (off < len)
    {
      ssize_t n = write (conn, owned + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      off += n;
    }
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Closing a socket with unread input resets it, and the host may lose
 * the last reply or the exit frame with it: so end our side, then read and
 * drop what the host still sends until it closes, for a bounded time. */
static void
close_gracefully (int conn)
{
  long long deadline = now_ms () + 2000;
  char sink[16384];

  shutdown (conn, SHUT_WR);
  for (long long left; (left = deadline - now_ms ()) > 0;)
    {
      struct pollfd p = { conn, POLLIN, 0 };
      int n = poll (&p, 1, (int) left);
      if (n < 0 && errno != EINTR)
        return;
      if (n > 0 && read (conn, sink, sizeof sink) <= 0)
        return;
    }
}

static void
shut_down (int conn, const struct sie_agent_options *opt)
{
  send_line (conn, sie_agent_reply_ok ());
  close_gracefully (conn);
  if (opt->guest)
    sie_agent_power_off ();
  /* On a host, stop the server instead. */
  kill (getppid (), SIGTERM);
}

void
sie_agent_session (int conn, const struct sie_agent_options *opt)
{
  cleanup_free struct request_line *line = calloc (1, sizeof (*line));
  struct sie_agent_request req;
  sie_error_t err = NULL;
  int ret;

  if (line == NULL)
    return;
  ret = read_request (conn, line, &err);
  if (ret == 0)
    ret = sie_agent_request_parse (line->buf, &req, &err);
  if (ret == 0)
    {
      switch (req.op)
        {
        case SIE_AGENT_PING:
          send_line (conn, sie_agent_reply_ping ());
          break;
        case SIE_AGENT_SHUTDOWN:
          shut_down (conn, opt);
          break;
        case SIE_AGENT_EXEC:
          ret = sie_agent_exec (conn, &req, (const uint8_t *) line->buf + line->end + 1,
                                line->len - line->end - 1, &err);
          break;
        }
      sie_agent_request_release (&req);
    }
  if (ret < 0)
    send_line (conn, sie_agent_reply_error (err->msg));
  sie_error_release (&err);
  close_gracefully (conn);
}
