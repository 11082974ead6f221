/* The relocation transport: TCP connections, length-prefixed frames, and
 * the mutual HMAC-SHA256 challenge-response that opens every connection. */
#include "relocate/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <yajl/yajl_tree.h>

#include "util/cleanup.h"

#define HEADER_SIZE 8
#define MAC_SIZE SHA256_DIGEST_SIZE

/* The handshake's frames, numbered far from enum sie_msg_type so a peer
 * that skips authentication cannot be mistaken for one that did it. */
enum
{
  MSG_AUTH_HELLO = 1001,        /* server: its nonce */
  MSG_AUTH_PROOF = 1002,        /* client: its nonce, then its MAC */
  MSG_AUTH_SERVER_PROOF = 1003, /* server: its MAC */
};

static const char client_label[] = "sie-relocate client";
static const char server_label[] = "sie-relocate server";
static const char auth_failed_json[]
    = "{\"result\":\"authentication failed\",\"message\":\"the peer does not know the shared secret\"}";

/* ---- addresses ---- */

struct hostport
{
  char host[256]; /* empty: any (listen) or loopback (connect) */
  char port[32];
};

/* "HOST:PORT" or "[V6]:PORT": a bare IPv6 address would make the port
 * ambiguous, so it must come in brackets. */
static int
split_hostport (const char *s, struct hostport *hp, sie_error_t *err)
{
  const char *host = s, *colon, *port;
  size_t hlen;

  if (s[0] == '[')
    {
      const char *close = strchr (s, ']');
      if (close == NULL || close[1] != ':')
        return sie_error (err, 0, "%s: expected [ADDRESS]:PORT", s);
      host = s + 1;
      hlen = (size_t) (close - host);
      port = close + 2;
    }
  else
    {
      colon = strrchr (s, ':');
      if (colon == NULL)
        return sie_error (err, 0, "%s: expected HOST:PORT", s);
      if (memchr (s, ':', (size_t) (colon - s)))
        return sie_error (err, 0, "%s: an IPv6 address goes in brackets, [ADDRESS]:PORT", s);
      hlen = (size_t) (colon - s);
      port = colon + 1;
    }
  if (*port == '\0' || hlen >= sizeof hp->host || strlen (port) >= sizeof hp->port)
    return sie_error (err, 0, "%s: expected HOST:PORT", s);
  memcpy (hp->host, host, hlen);
  hp->host[hlen] = '\0';
  strcpy (hp->port, port);
  return 0;
}

static int
resolve (const char *s, bool passive, struct addrinfo **res, sie_error_t *err)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
  struct hostport hp;
  int rc;

  if (split_hostport (s, &hp, err) < 0)
    return -1;
  if (passive)
    hints.ai_flags = AI_PASSIVE;
  rc = getaddrinfo (hp.host[0] ? hp.host : NULL, hp.port, &hints, res);
  if (rc == EAI_SYSTEM)
    return sie_error (err, errno, "%s", s);
  if (rc != 0)
    return sie_error (err, 0, "%s: %s", s, gai_strerror (rc));
  return 0;
}

/* ---- connecting and listening ---- */

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for a non-blocking connect to finish by the deadline (< 0: none);
 * returns 0 or an errno value. */
static int
wait_connected (int fd, long long deadline)
{
  struct pollfd p = { .fd = fd, .events = POLLOUT };
  socklen_t sl = sizeof (int);
  int r, soerr = 0;

  for (;;)
    {
      long long left = deadline < 0 ? -1 : deadline - now_ms ();

      if (deadline >= 0 && left < 0)
        left = 0;
      r = poll (&p, 1, (int) left);
      if (r > 0)
        break;
      if (r == 0)
        return ETIMEDOUT;
      if (errno != EINTR)
        return errno;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
    return errno;
  return soerr;
}

/* One address: returns the connected, blocking fd, or -1 with errno set. */
static int
connect_one (const struct addrinfo *ai, long long deadline)
{
  cleanup_close int fd = -1;
  int one = 1, e, fl;

  fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0)
    return -1;
  /* Non-blocking only for the connect: the timeout is ours, not the
   * kernel's two minutes of SYN retries. */
  if (connect (fd, ai->ai_addr, ai->ai_addrlen) < 0)
    {
      if (errno != EINPROGRESS)
        return -1;
      e = wait_connected (fd, deadline);
      if (e != 0)
        {
          errno = e;
          return -1;
        }
    }
  fl = fcntl (fd, F_GETFL);
  if (fl < 0 || fcntl (fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
    return -1;
  /* Control frames are small request/answer pairs: Nagle would delay each. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return move_fd (fd);
}

int
sie_wire_connect (const char *hostport, int timeout_ms, sie_error_t *err)
{
  struct addrinfo *res = NULL;
  /* timeout_ms <= 0: no limit but the kernel's. */
  long long deadline = timeout_ms > 0 ? now_ms () + timeout_ms : -1;
  int fd = -1, e = EHOSTUNREACH;

  if (resolve (hostport, false, &res, err) < 0)
    return sie_error_prefix (err, "connect");
  /* A name may resolve to several addresses: the first that answers wins. */
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
    {
      fd = connect_one (ai, deadline);
      if (fd < 0)
        e = errno;
    }
  freeaddrinfo (res);
  if (fd < 0)
    return sie_error (err, e, "connect %s", hostport);
  return fd;
}

int
sie_wire_listen (const char *addrport, sie_error_t *err)
{
  struct addrinfo *res = NULL;
  cleanup_close int fd = -1;
  int one = 1, e = 0;

  if (resolve (addrport, true, &res, err) < 0)
    return sie_error_prefix (err, "listen");
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        {
          e = errno;
          continue;
        }
      /* A destination restarted right after a relocation must not wait out
       * TIME_WAIT to listen again. */
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen (fd, 16) < 0)
        {
          e = errno;
          close (move_fd (fd));
        }
    }
  freeaddrinfo (res);
  if (fd < 0)
    return sie_error (err, e, "listen %s", addrport);
  return move_fd (fd);
}

/* timeout_ms 0 means none, as for the socket options themselves. */
int
sie_wire_set_timeout (int fd, int timeout_ms, sie_error_t *err)
{
  struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

  if (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0
      || setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    return sie_error (err, errno, "setting the connection's timeout");
  return 0;
}

/* ---- frames ---- */

/* SO_RCVTIMEO and SO_SNDTIMEO expire as EAGAIN, which reads as if the
 * socket were non-blocking: name it for what it is. */
static int
io_errno (int e)
{
  return e == EAGAIN || e == EWOULDBLOCK ? ETIMEDOUT : e;
}

static int
peer_closed (sie_error_t *err, const char *when)
{
  if (err == NULL || *err != NULL)
    return -1;
  sie_error (err, 0, "connection closed by the peer%s", when);
  /* Status without strerror's text: callers tell a vanished peer apart
   * by the status, people read the message. */
  if (*err)
    (*err)->status = ECONNRESET;
  return -1;
}

static int
send_all (int fd, struct iovec *iov, int n)
{
  while (n > 0)
    {
      struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t) n };
      ssize_t w = sendmsg (fd, &mh, MSG_NOSIGNAL);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      for (; n > 0 && (size_t) w >= iov->iov_len; iov++, n--)
        w -= (ssize_t) iov->iov_len;
      if (n > 0)
        {
          iov->iov_base = (char *) iov->iov_base + w;
          iov->iov_len -= (size_t) w;
        }
    }
  return 0;
}

int
sie_wire_send (int fd, uint32_t type, const void *data, size_t len, sie_error_t *err)
{
  uint8_t hdr[HEADER_SIZE];
  struct iovec iov[2];

  if (len > SIE_WIRE_MAX_FRAME)
    return sie_error (err, 0, "sending a frame of %zu bytes, over the limit of %u", len,
                      SIE_WIRE_MAX_FRAME);
  for (int i = 0; i < 4; i++)
    {
      hdr[i] = (uint8_t) (type >> (24 - 8 * i));
      hdr[4 + i] = (uint8_t) ((uint32_t) len >> (24 - 8 * i));
    }
  /* One sendmsg for header and payload: with TCP_NODELAY, two writes would
   * be two segments. */
  iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = sizeof hdr };
  iov[1] = (struct iovec){ .iov_base = (void *) data, .iov_len = len };
  if (send_all (fd, iov, 2) < 0)
    return sie_error (err, io_errno (errno), "sending a frame");
  return 0;
}

/* Reads until len bytes or end of stream; returns how many, or -1. */
static ssize_t
read_full (int fd, void *buf, size_t len)
{
  size_t got = 0;

  while (got < len)
    {
      ssize_t r = read (fd, (char *) buf + got, len - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      got += (size_t) r;
    }
  return (ssize_t) got;
}

static uint32_t
get_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int
sie_wire_recv (int fd, uint32_t *type, char **data, size_t *len, sie_error_t *err)
{
  uint8_t hdr[HEADER_SIZE];
  cleanup_free char *buf = NULL;
  uint32_t n;
  ssize_t r;

  *data = NULL;
  r = read_full (fd, hdr, sizeof hdr);
  if (r < 0)
    return sie_error (err, io_errno (errno), "receiving a frame");
  if (r == 0)
    return peer_closed (err, "");
  if (r < (ssize_t) sizeof hdr)
    return peer_closed (err, " in the middle of a frame");
  n = get_be32 (hdr + 4);
  /* Checked before allocating: the length comes from the network. */
  if (n > SIE_WIRE_MAX_FRAME)
    return sie_error (err, 0, "received a frame of %u bytes, over the limit of %u (is the peer sie?)",
                      n, SIE_WIRE_MAX_FRAME);
  buf = malloc ((size_t) n + 1);
  if (buf == NULL)
    return sie_error (err, ENOMEM, "receiving a frame");
  r = read_full (fd, buf, n);
  if (r < 0)
    return sie_error (err, io_errno (errno), "receiving a frame");
  if (r < (ssize_t) n)
    return peer_closed (err, " in the middle of a frame");
  buf[n] = '\0';
  *type = get_be32 (hdr);
  *len = n;
  *data = move_ptr (buf);
  return 0;
}

/* ---- the shared secret ---- */

static int
check_secret_file (int fd, const char *path, sie_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return sie_error (err, errno, "--auth-file %s", path);
  if (!S_ISREG (st.st_mode))
    return sie_error (err, 0, "--auth-file %s: not a regular file", path);
  if ((st.st_mode & 077) != 0)
    return sie_error (err, 0, "--auth-file %s: readable by group or others (chmod 600)", path);
  if (st.st_size == 0)
    return sie_error (err, 0, "--auth-file %s: empty", path);
  if (st.st_size > SIE_WIRE_SECRET_MAX)
    return sie_error (err, 0, "--auth-file %s: over %d bytes", path, SIE_WIRE_SECRET_MAX);
  return 0;
}

int
sie_wire_load_secret (const char *path, char **secret, size_t *len, sie_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *buf = NULL;
  ssize_t n;

  /* O_NOFOLLOW: the mode checked must be the secret's own, not a link's. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return sie_error (err, errno, "--auth-file %s", path);
  if (check_secret_file (fd, path, err) < 0)
    return -1;
  buf = malloc (SIE_WIRE_SECRET_MAX + 2);
  if (buf == NULL)
    return sie_error (err, ENOMEM, "--auth-file %s", path);
  /* One byte more than allowed, in case the file grew since fstat. */
  n = read_full (fd, buf, SIE_WIRE_SECRET_MAX + 1);
  if (n < 0)
    return sie_error (err, errno, "--auth-file %s", path);
  if (n > SIE_WIRE_SECRET_MAX)
    return sie_error (err, 0, "--auth-file %s: over %d bytes", path, SIE_WIRE_SECRET_MAX);
  if (n > 0 && buf[n - 1] == '\n')
    n--;
  if (n == 0)
    return sie_error (err, 0, "--auth-file %s: empty", path);
  buf[n] = '\0';
  *len = (size_t) n;
  *secret = move_ptr (buf);
  return 0;
}

/* ---- authentication ---- */

/* HMAC(secret, label || first || second).  The label differs per side, so
 * a proof one side sent can never be replayed as the other's. */
static void
compute_mac (const char *secret, size_t len, const char *label, const uint8_t *first,
             const uint8_t *second, uint8_t mac[MAC_SIZE])
{
  struct hmac_sha256_ctx ctx;

  hmac_sha256_set_key (&ctx, len, (const uint8_t *) secret);
  hmac_sha256_update (&ctx, strlen (label), (const uint8_t *) label);
  hmac_sha256_update (&ctx, SIE_WIRE_NONCE, first);
  hmac_sha256_update (&ctx, SIE_WIRE_NONCE, second);
  hmac_sha256_digest (&ctx, MAC_SIZE, mac);
  /* The context holds key material. */
  explicit_bzero (&ctx, sizeof ctx);
}

static int
make_nonce (uint8_t nonce[SIE_WIRE_NONCE], sie_error_t *err)
{
  ssize_t r;

  do
    r = getrandom (nonce, SIE_WIRE_NONCE, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sie_error (err, errno, "authentication: getrandom");
  /* Up to 256 bytes come whole from getrandom once the pool is ready. */
  if (r != SIE_WIRE_NONCE)
    return sie_error (err, 0, "authentication: getrandom returned %zd bytes", r);
  return 0;
}

/* An SIE_MSG_ERROR from the peer, as "result: message". */
static int
peer_error (const char *json, sie_error_t *err)
{
  const char *rpath[] = { "result", NULL }, *mpath[] = { "message", NULL };
  yajl_val root = yajl_tree_parse (json, NULL, 0);
  const char *result = YAJL_GET_STRING (yajl_tree_get (root, rpath, yajl_t_string));
  const char *message = YAJL_GET_STRING (yajl_tree_get (root, mpath, yajl_t_string));

  if (result && message)
    sie_error (err, 0, "refused by the peer: %s: %s", result, message);
  else
    sie_error (err, 0, "refused by the peer: %s", message ? message : result ? result : json);
  yajl_tree_free (root);
  return -1;
}

/* Receives the handshake frame `want`, exactly len bytes of it. */
static int
recv_auth (int fd, uint32_t want, uint8_t *out, size_t len, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  uint32_t type;
  size_t n;

  if (sie_wire_recv (fd, &type, &data, &n, err) < 0)
    return sie_error_prefix (err, "authentication");
  if (type == SIE_MSG_ERROR)
    return peer_error (data, err);
  if (type != want || n != len)
    return sie_error (err, 0, "authentication: unexpected frame %u of %zu bytes (is the peer sie?)",
                      type, n);
  memcpy (out, data, len);
  return 0;
}

/* Tells the peer why it is being dropped; best effort, since the caller
 * closes the connection either way and reports our own error. */
static int
reject (int fd, const char *why, sie_error_t *err)
{
  sie_wire_send (fd, SIE_MSG_ERROR, auth_failed_json, strlen (auth_failed_json), NULL);
  return sie_error (err, 0, "authentication failed: %s", why);
}

int
sie_wire_auth_server (int fd, const char *secret, size_t len, sie_error_t *err)
{
  uint8_t server_nonce[SIE_WIRE_NONCE], proof[SIE_WIRE_NONCE + MAC_SIZE], mac[MAC_SIZE];
  const uint8_t *client_nonce = proof;

  if (len == 0)
    return sie_error (err, 0, "authentication: empty secret");
  if (make_nonce (server_nonce, err) < 0)
    return -1;
  if (sie_wire_send (fd, MSG_AUTH_HELLO, server_nonce, sizeof server_nonce, err) < 0)
    return sie_error_prefix (err, "authentication");
  if (recv_auth (fd, MSG_AUTH_PROOF, proof, sizeof proof, err) < 0)
    return -1;
  compute_mac (secret, len, client_label, server_nonce, client_nonce, mac);
  if (!memeql_sec (mac, proof + SIE_WIRE_NONCE, MAC_SIZE))
    return reject (fd, "the peer does not know the shared secret", err);
  compute_mac (secret, len, server_label, client_nonce, server_nonce, mac);
  if (sie_wire_send (fd, MSG_AUTH_SERVER_PROOF, mac, sizeof mac, err) < 0)
    return sie_error_prefix (err, "authentication");
  return 0;
}

int
sie_wire_auth_client (int fd, const char *secret, size_t len, sie_error_t *err)
{
  uint8_t server_nonce[SIE_WIRE_NONCE], proof[SIE_WIRE_NONCE + MAC_SIZE], mac[MAC_SIZE];
  uint8_t *client_nonce = proof;

  if (len == 0)
    return sie_error (err, 0, "authentication: empty secret");
  if (recv_auth (fd, MSG_AUTH_HELLO, server_nonce, sizeof server_nonce, err) < 0)
    return -1;
  if (make_nonce (client_nonce, err) < 0)
    return -1;
  compute_mac (secret, len, client_label, server_nonce, client_nonce, proof + SIE_WIRE_NONCE);
  if (sie_wire_send (fd, MSG_AUTH_PROOF, proof, sizeof proof, err) < 0)
    return sie_error_prefix (err, "authentication");
  if (recv_auth (fd, MSG_AUTH_SERVER_PROOF, mac, sizeof mac, err) < 0)
    return -1;
  /* The server proves itself last, over our fresh nonce: a recorded
   * answer from an earlier connection does not match. */
  compute_mac (secret, len, server_label, client_nonce, server_nonce, proof + SIE_WIRE_NONCE);
  if (!memeql_sec (mac, proof + SIE_WIRE_NONCE, MAC_SIZE))
    return reject (fd, "the destination does not know the shared secret", err);
  return 0;
}
