/* The relocation transport (relocate/wire.c): frames, the mutual
 * authentication, the secret file, and connecting over loopback.  The
 * peer of each exchange runs in a thread over a socketpair. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "relocate/wire.h"
#include "tests/unit/tap.h"

static void
pair (int sv[2])
{
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    abort ();
}

/* ---- frames ---- */

struct sender
{
  int fd;
  uint32_t type;
  const void *data;
  size_t len;
  int ret;
};

static void *
send_thread (void *arg)
{
  struct sender *s = arg;
  sie_error_t err = NULL;

  s->ret = sie_wire_send (s->fd, s->type, s->data, s->len, &err);
  sie_error_release (&err);
  return NULL;
}

/* Sends from a thread, since a big frame fills the socket buffer. */
static int
round_trip (const void *data, size_t len, uint32_t type)
{
  struct sender s = { .type = type, .data = data, .len = len };
  sie_error_t err = NULL;
  pthread_t t;
  char *got = NULL;
  size_t got_len = 0;
  uint32_t got_type = 0;
  int sv[2], ok_ = 0;

  pair (sv);
  s.fd = sv[0];
  pthread_create (&t, NULL, send_thread, &s);
  if (sie_wire_recv (sv[1], &got_type, &got, &got_len, &err) == 0)
    ok_ = got_type == type && got_len == len && memcmp (got, data, len) == 0 && got[len] == '\0';
  pthread_join (t, NULL);
  free (got);
  sie_error_release (&err);
  close (sv[0]);
  close (sv[1]);
  return ok_ && s.ret == 0;
}

static void
test_frames (void)
{
  size_t big = 1u << 20;
  char *buf = malloc (big);

  for (size_t i = 0; i < big; i++)
    buf[i] = (char) (i * 7 + (i >> 9));
  ok (round_trip ("", 0, SIE_MSG_OK), "an empty frame round-trips");
  ok (round_trip ("{\"pid\":42}", 10, SIE_MSG_RESTORED), "a small frame round-trips");
  ok (round_trip (buf, big, SIE_MSG_FILE_DATA), "a 1 MiB frame round-trips");
  free (buf);
}

static void
test_header_bytes (void)
{
  sie_error_t err = NULL;
  uint8_t hdr[11];
  int sv[2];

  pair (sv);
  ok (sie_wire_send (sv[0], 0x01020304, "abc", 3, &err) == 0, "a frame sends");
  ok (read (sv[1], hdr, sizeof hdr) == 11 && memcmp (hdr, "\1\2\3\4\0\0\0\3abc", 11) == 0,
      "type and length are big-endian u32s before the payload");
  close (sv[0]);
  close (sv[1]);
}

static void
test_oversize (void)
{
  uint8_t hdr[8] = { 0, 0, 0, SIE_MSG_FILE_DATA, 0, 0x40, 0, 1 }; /* 4 MiB + 1 */
  sie_error_t err = NULL;
  char *data = (char *) 1;
  uint32_t type;
  size_t len;
  int sv[2];

  pair (sv);
  ok (write (sv[0], hdr, sizeof hdr) == sizeof hdr, "an oversize header is written");
  ok (sie_wire_recv (sv[1], &type, &data, &len, &err) < 0, "an oversize frame is refused");
  ok (err && strstr (err->msg, "over the limit"), "saying so: %s", err ? err->msg : "");
  ok (data == NULL, "with no buffer handed out");
  sie_error_release (&err);
  ok (sie_wire_send (sv[0], SIE_MSG_FILE_DATA, hdr, SIE_WIRE_MAX_FRAME + 1ul, &err) < 0,
      "sending an oversize frame is refused");
  sie_error_release (&err);
  close (sv[0]);
  close (sv[1]);
}

static void
test_eof (void)
{
  sie_error_t err = NULL;
  char *data = NULL;
  uint32_t type;
  size_t len;
  int sv[2];

  pair (sv);
  close (sv[0]);
  ok (sie_wire_recv (sv[1], &type, &data, &len, &err) < 0, "EOF is an error");
  ok (err && err->status == ECONNRESET, "with status ECONNRESET");
  is_str (err ? err->msg : NULL, "connection closed by the peer", "and a plain message");
  sie_error_release (&err);
  close (sv[1]);

  pair (sv);
  ok (write (sv[0], "\0\0\0\1\0\0\0\5ab", 10) == 10, "half a frame is written");
  close (sv[0]);
  ok (sie_wire_recv (sv[1], &type, &data, &len, &err) < 0 && err && err->status == ECONNRESET,
      "EOF mid-frame is ECONNRESET too");
  sie_error_release (&err);
  close (sv[1]);
}

/* ---- authentication ---- */

struct auth_peer
{
  int fd;
  const char *secret;
  int ret;
  sie_error_t err;
};

static void *
server_thread (void *arg)
{
  struct auth_peer *p = arg;

  p->ret = sie_wire_auth_server (p->fd, p->secret, strlen (p->secret), &p->err);
  return NULL;
}

/* Runs the server in a thread and the client here. */
static void
auth (const char *server_secret, const char *client_secret, struct auth_peer *server,
      struct auth_peer *client)
{
  pthread_t t;
  int sv[2];

  pair (sv);
  *server = (struct auth_peer){ .fd = sv[0], .secret = server_secret };
  *client = (struct auth_peer){ .fd = sv[1], .secret = client_secret };
  pthread_create (&t, NULL, server_thread, server);
  client->ret = sie_wire_auth_client (client->fd, client_secret, strlen (client_secret), &client->err);
  /* A rejected server is waiting for nothing more; closing ends any read. */
  shutdown (sv[1], SHUT_WR);
  pthread_join (t, NULL);
  close (sv[0]);
  close (sv[1]);
}

static void
test_auth_ok (void)
{
  struct auth_peer s, c;

  auth ("correct horse", "correct horse", &s, &c);
  ok (s.ret == 0 && s.err == NULL, "the server accepts a client with the same secret");
  ok (c.ret == 0 && c.err == NULL, "the client accepts the server");
  sie_error_release (&s.err);
  sie_error_release (&c.err);
}

static void
test_auth_wrong_client (void)
{
  struct auth_peer s, c;

  auth ("correct horse", "battery staple", &s, &c);
  ok (s.ret < 0, "the server refuses a client with another secret");
  is_str (s.err ? s.err->msg : NULL, "authentication failed: the peer does not know the shared secret",
          "saying why");
  ok (c.ret < 0, "the client fails too");
  ok (c.err && strstr (c.err->msg, "authentication failed: the peer does not know the shared secret"),
      "with the server's message: %s", c.err ? c.err->msg : "");
  sie_error_release (&s.err);
  sie_error_release (&c.err);
}

/* A server that follows the protocol with another secret and accepts any
 * client: only the client's check of the server's proof can catch it. */
static void
server_mac (const char *secret, const void *client_nonce, const void *server_nonce,
            uint8_t mac[SHA256_DIGEST_SIZE])
{
  static const char label[] = "sie-relocate server";
  struct hmac_sha256_ctx ctx;

  hmac_sha256_set_key (&ctx, strlen (secret), (const uint8_t *) secret);
  hmac_sha256_update (&ctx, strlen (label), (const uint8_t *) label);
  hmac_sha256_update (&ctx, SIE_WIRE_NONCE, client_nonce);
  hmac_sha256_update (&ctx, SIE_WIRE_NONCE, server_nonce);
  hmac_sha256_digest (&ctx, SHA256_DIGEST_SIZE, mac);
}

static void *
impostor_thread (void *arg)
{
  struct auth_peer *p = arg;
  uint8_t nonce[SIE_WIRE_NONCE] = { 1, 2, 3 }, mac[SHA256_DIGEST_SIZE];
  sie_error_t err = NULL;
  uint32_t type;
  char *data = NULL;
  size_t len;

  p->ret = -1;
  if (sie_wire_send (p->fd, 1001, nonce, sizeof nonce, &err) == 0
      && sie_wire_recv (p->fd, &type, &data, &len, &err) == 0 && type == 1002
      && len == SIE_WIRE_NONCE + SHA256_DIGEST_SIZE
      && (server_mac (p->secret, data, nonce, mac),
          sie_wire_send (p->fd, 1003, mac, sizeof mac, &err) == 0))
    {
      free (data);
      data = NULL;
      /* What the client says on rejecting us. */
      if (sie_wire_recv (p->fd, &type, &data, &len, &err) == 0 && type == SIE_MSG_ERROR)
        p->ret = 0;
    }
  free (data);
  sie_error_release (&err);
  return NULL;
}

static void
test_auth_wrong_server (void)
{
  struct auth_peer s, c;
  pthread_t t;
  int sv[2];

  pair (sv);
  s = (struct auth_peer){ .fd = sv[0], .secret = "battery staple" };
  pthread_create (&t, NULL, impostor_thread, &s);
  c.err = NULL;
  c.ret = sie_wire_auth_client (sv[1], "correct horse", 13, &c.err);
  pthread_join (t, NULL);
  ok (c.ret < 0, "the client refuses a server with another secret");
  is_str (c.err ? c.err->msg : NULL,
          "authentication failed: the destination does not know the shared secret", "saying why");
  ok (s.ret == 0, "and tells the impostor with an error frame");
  sie_error_release (&c.err);
  close (sv[0]);
  close (sv[1]);
}

static void
test_auth_not_sie (void)
{
  sie_error_t err = NULL;
  int sv[2];

  pair (sv);
  sie_wire_send (sv[0], SIE_MSG_CHECK, "{}", 2, NULL);
  ok (sie_wire_auth_client (sv[1], "s", 1, &err) < 0, "a peer that skips the handshake is refused");
  ok (err && strstr (err->msg, "unexpected frame"), "as unexpected: %s", err ? err->msg : "");
  sie_error_release (&err);
  close (sv[0]);
  close (sv[1]);
}

/* ---- the secret file ---- */

static char tmpdir[] = "/tmp/test_wire.XXXXXX";

static const char *
secret_file (const char *name, const char *content, mode_t mode)
{
  static char path[256];
  int fd;

  snprintf (path, sizeof path, "%s/%s", tmpdir, name);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, content, strlen (content)) != (ssize_t) strlen (content)
      || fchmod (fd, mode) < 0)
    abort ();
  close (fd);
  return path;
}

static void
test_load_secret (void)
{
  sie_error_t err = NULL;
  char *secret = NULL, want[300], link[300];
  const char *path;
  size_t len = 0;

  path = secret_file ("open", "s3cret\n", 0644);
  ok (sie_wire_load_secret (path, &secret, &len, &err) < 0, "a 0644 secret is refused");
  snprintf (want, sizeof want, "--auth-file %s: readable by group or others (chmod 600)", path);
  is_str (err ? err->msg : NULL, want, "telling how to fix it");
  sie_error_release (&err);

  path = secret_file ("empty", "", 0600);
  ok (sie_wire_load_secret (path, &secret, &len, &err) < 0, "an empty secret is refused");
  sie_error_release (&err);
  path = secret_file ("newline", "\n", 0600);
  ok (sie_wire_load_secret (path, &secret, &len, &err) < 0, "so is a lone newline");
  snprintf (want, sizeof want, "--auth-file %s: empty", path);
  is_str (err ? err->msg : NULL, want, "as empty");
  sie_error_release (&err);

  path = secret_file ("good", "s3cret\n", 0600);
  ok (sie_wire_load_secret (path, &secret, &len, &err) == 0, "a 0600 secret loads: %s",
      err ? err->msg : "yes");
  ok (secret && len == 6 && strcmp (secret, "s3cret") == 0, "without its trailing newline");
  free (secret);
  secret = NULL;

  snprintf (link, sizeof link, "%s/link", tmpdir);
  if (symlink (path, link) < 0)
    abort ();
  ok (sie_wire_load_secret (link, &secret, &len, &err) < 0, "a symlink is not followed");
  sie_error_release (&err);
  free (secret);
}

/* ---- TCP ---- */

static int
bound_port (int fd)
{
  struct sockaddr_in sin;
  socklen_t sl = sizeof sin;

  if (getsockname (fd, (struct sockaddr *) &sin, &sl) < 0)
    abort ();
  return ntohs (sin.sin_port);
}

static void
test_connect_refused (void)
{
  sie_error_t err = NULL;
  char addr[64], want[128];
  int fd = sie_wire_listen ("127.0.0.1:0", NULL);

  /* A port that was just free: nothing listens on it once closed. */
  snprintf (addr, sizeof addr, "127.0.0.1:%d", bound_port (fd));
  close (fd);
  ok (sie_wire_connect (addr, 2000, &err) < 0, "connecting to a closed port fails");
  snprintf (want, sizeof want, "connect %s: %s", addr, strerror (ECONNREFUSED));
  is_str (err ? err->msg : NULL, want, "naming the address");
  sie_error_release (&err);

  ok (sie_wire_connect ("::1:7000", 1000, &err) < 0 && err && strstr (err->msg, "brackets"),
      "a bare IPv6 address is refused: %s", err ? err->msg : "");
  sie_error_release (&err);
  ok (sie_wire_connect ("nocolon", 1000, &err) < 0, "so is an address without a port");
  sie_error_release (&err);
}

static void
test_listen_connect (void)
{
  sie_error_t err = NULL;
  char addr[64], *data = NULL;
  int lfd, cfd, afd = -1;
  uint32_t type = 0;
  size_t len = 0;

  lfd = sie_wire_listen ("127.0.0.1:0", &err);
  ok (lfd >= 0, "listening on 127.0.0.1:0");
  snprintf (addr, sizeof addr, "127.0.0.1:%d", bound_port (lfd));
  cfd = sie_wire_connect (addr, 2000, &err);
  ok (cfd >= 0, "connecting to it: %s", err ? err->msg : addr);
  ok (cfd >= 0 && (fcntl (cfd, F_GETFL) & O_NONBLOCK) == 0 && (fcntl (cfd, F_GETFD) & FD_CLOEXEC),
      "the connection is blocking and close-on-exec");
  ok (sie_wire_set_timeout (cfd, 1500, &err) == 0, "a timeout can be set");
  afd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  ok (afd >= 0 && sie_wire_send (cfd, SIE_MSG_OK, "{}", 2, &err) == 0
          && sie_wire_recv (afd, &type, &data, &len, &err) == 0 && type == SIE_MSG_OK && len == 2,
      "a frame crosses it");
  free (data);
  data = NULL;
  /* Nothing comes back: the timeout set above must end the wait. */
  ok (sie_wire_recv (cfd, &type, &data, &len, &err) < 0 && err && err->status == ETIMEDOUT,
      "a silent peer times out: %s", err ? err->msg : "");
  sie_error_release (&err);
  close (afd);
  close (cfd);
  close (lfd);

  lfd = sie_wire_listen ("[::1]:0", &err);
  if (lfd < 0)
    {
      ok (1, "# SKIP no IPv6 loopback: %s", err ? err->msg : "");
      sie_error_release (&err);
      return;
    }
  {
    struct sockaddr_in6 sin6;
    socklen_t sl = sizeof sin6;

    getsockname (lfd, (struct sockaddr *) &sin6, &sl);
    snprintf (addr, sizeof addr, "[::1]:%d", ntohs (sin6.sin6_port));
  }
  cfd = sie_wire_connect (addr, 2000, &err);
  ok (cfd >= 0, "[v6]:port connects: %s", err ? err->msg : addr);
  sie_error_release (&err);
  if (cfd >= 0)
    close (cfd);
  close (lfd);
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    abort ();
  test_frames ();
  test_header_bytes ();
  test_oversize ();
  test_eof ();
  test_auth_ok ();
  test_auth_wrong_client ();
  test_auth_wrong_server ();
  test_auth_not_sie ();
  test_load_secret ();
  test_connect_refused ();
  test_listen_connect ();
  {
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system (cmd) != 0)
      printf ("# could not remove %s\n", tmpdir);
  }
  return tap_done ();
}
