/* The swrk transport: spawning CRIU, packing and unpacking messages, and
 * the notification loop. */
#include "runtime/criu_rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

static const char *criu_path = "criu";

void
sie_criu_set_path (const char *path)
{
  if (path && *path)
    criu_path = path;
}

const char *
sie_criu_path (void)
{
  return criu_path;
}

static void __attribute__ ((noreturn))
exec_swrk (int sk, const int *keep_fds, size_t n_keep)
{
  char fdarg[16];

  for (size_t i = 0; i < n_keep; i++)
    if (keep_fds[i] >= 0)
      fcntl (keep_fds[i], F_SETFD, 0);
  fcntl (sk, F_SETFD, 0);
  snprintf (fdarg, sizeof fdarg, "%d", sk);
  /* CRIU must not die with a signal meant for sie's foreground process. */
  signal (SIGINT, SIG_IGN);
  execlp (criu_path, criu_path, "swrk", fdarg, (char *) NULL);
  dprintf (STDERR_FILENO, "sie: exec %s: %s\n", criu_path, strerror (errno));
  _exit (127);
}

/* A missing CRIU is told apart from one that fails, before anything is
 * frozen. */
static bool
criu_found (void)
{
  cleanup_free char *path_env = NULL;
  char *dir, *save = NULL, full[4096];

  if (strchr (criu_path, '/'))
    return access (criu_path, X_OK) == 0;
  path_env = strdup (getenv ("PATH") ? getenv ("PATH") : "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin");
  for (dir = strtok_r (path_env, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      snprintf (full, sizeof full, "%s/%s", dir, criu_path);
      if (access (full, X_OK) == 0)
        return true;
    }
  return false;
}

int
sie_criu_start (const int *keep_fds, size_t n_keep, struct sie_criu *c, sie_error_t *err)
{
  int sv[2];
  sigset_t all, old;

  c->pid = -1;
  c->sk = -1;
  if (!criu_found ())
    return sie_error (err, 0, "criu: %s not found (CRIU 4.1 or newer is needed; make deps builds it)",
                      criu_path);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return sie_error (err, errno, "criu: socketpair");
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  c->pid = fork ();
  if (c->pid == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (sv[0]);
      exec_swrk (sv[1], keep_fds, n_keep);
    }
  sigprocmask (SIG_SETMASK, &old, NULL);
  close (sv[1]);
  if (c->pid < 0)
    {
      close (sv[0]);
      return sie_error (err, errno, "criu: fork");
    }
  c->sk = sv[0];
  return 0;
}

static int
send_req (int sk, CriuReq *req, sie_error_t *err)
{
  size_t len = criu_req__get_packed_size (req);
  cleanup_free uint8_t *buf = malloc (len ? len : 1);

  if (buf == NULL)
    return sie_error (err, ENOMEM, "criu: request");
  criu_req__pack (req, buf);
  if (send (sk, buf, len, MSG_NOSIGNAL) != (ssize_t) len)
    return sie_error (err, errno, "criu: sending the request");
  return 0;
}

/* One packet: its size first (MSG_PEEK|MSG_TRUNC), then the packet and any
 * fd that came with it. */
static int
recv_resp (struct sie_criu *c, CriuResp **resp, int *fd, sie_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  cleanup_free uint8_t *buf = NULL;
  struct cmsghdr *cm;
  ssize_t len, n;

  *fd = -1;
  do
    len = recv (c->sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
  while (len < 0 && errno == EINTR);
  if (len < 0)
    return sie_error (err, errno, "criu: reading its answer");
  if (len == 0)
    return sie_error (err, 0, "criu exited without answering (see its log)");
  buf = malloc (len);
  if (buf == NULL)
    return sie_error (err, ENOMEM, "criu: answer");
  iov = (struct iovec){ .iov_base = buf, .iov_len = len };
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  do
    n = recvmsg (c->sk, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n != len)
    return sie_error (err, n < 0 ? errno : 0, "criu: reading its answer");
  for (cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      memcpy (fd, CMSG_DATA (cm), sizeof (int));
  *resp = criu_resp__unpack (NULL, len, buf);
  if (*resp == NULL)
    {
      if (*fd >= 0)
        close (*fd);
      return sie_error (err, 0, "criu: an answer that does not decode");
    }
  return 0;
}

static int
answer_notify (struct sie_criu *c, const CriuResp *r, int fd, sie_criu_notify_fn notify,
               void *data, sie_error_t *err)
{
  CriuReq ack = CRIU_REQ__INIT;
  const char *script = r->notify && r->notify->script ? r->notify->script : "";
  pid_t pid = r->notify && r->notify->has_pid ? r->notify->pid : 0;
  int ret = 0;

  sie_debug ("criu notify %s pid %d", script, pid);
  if (notify)
    ret = notify (data, script, pid, fd, err);
  else if (fd >= 0)
    close (fd);
  ack.type = CRIU_REQ_TYPE__NOTIFY;
  ack.has_notify_success = true;
  ack.notify_success = ret == 0;
  if (send_req (c->sk, &ack, ret < 0 ? NULL : err) < 0 && ret == 0)
    return -1;
  return ret;
}

int
sie_criu_call (struct sie_criu *c, CriuReq *req, sie_criu_notify_fn notify, void *data,
               CriuResp **resp, sie_error_t *err)
{
  sie_error_t notify_err = NULL;

  if (send_req (c->sk, req, err) < 0)
    return -1;
  for (;;)
    {
      CriuResp *r = NULL;
      int fd;

      if (recv_resp (c, &r, &fd, err) < 0)
        {
          if (notify_err)
            {
              sie_error_release (err);
              *err = notify_err;
            }
          return -1;
        }
      if (r->type != CRIU_REQ_TYPE__NOTIFY)
        {
          if (notify_err)
            {
              criu_resp__free_unpacked (r, NULL);
              *err = notify_err;
              return -1;
            }
          *resp = r;
          return 0;
        }
      /* A failed notification makes CRIU undo its work; the answer that
       * follows is reported as the notification's error. */
      if (answer_notify (c, r, fd, notify, data, notify_err ? NULL : &notify_err) < 0
          && notify_err == NULL)
        sie_error (&notify_err, 0, "criu: answering a notification");
      criu_resp__free_unpacked (r, NULL);
    }
}

/* CRIU sees the socket close and undoes what it did (thaws, unmounts its
 * cgroup yard); only one that does not end within 10 s is killed. */
void
sie_criu_finish (struct sie_criu *c)
{
  if (c->sk >= 0)
    close (c->sk);
  c->sk = -1;
  for (int i = 0; c->pid > 0 && i < 1000; i++)
    {
      pid_t r = waitpid (c->pid, NULL, WNOHANG);
      if (r == c->pid || (r < 0 && errno != EINTR))
        c->pid = -1;
      else
        usleep (10000);
    }
  if (c->pid > 0)
    {
      kill (c->pid, SIGKILL);
      while (waitpid (c->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  c->pid = -1;
}

int
sie_criu_features (CriuFeatures *want, CriuFeatures **got, sie_error_t *err)
{
  struct sie_criu c;
  CriuReq req = CRIU_REQ__INIT;
  CriuResp *resp = NULL;
  int ret;

  if (sie_criu_start (NULL, 0, &c, err) < 0)
    return -1;
  req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
  req.features = want;
  ret = sie_criu_call (&c, &req, NULL, NULL, &resp, err);
  sie_criu_finish (&c);
  if (ret < 0)
    return sie_error_prefix (err, "%s", criu_path);
  if (resp->features == NULL)
    {
      criu_resp__free_unpacked (resp, NULL);
      return sie_error (err, 0, "%s: the feature check gave no answer", criu_path);
    }
  *got = resp->features;
  resp->features = NULL;
  criu_resp__free_unpacked (resp, NULL);
  return 0;
}

char *
sie_criu_log_error (int dirfd, const char *log_name)
{
  cleanup_free char *data = NULL;
  size_t len;
  char *line, *save = NULL, *last = NULL;

  if (sie_read_file_at (dirfd, log_name, 64 << 20, &data, &len, NULL) < 0)
    return NULL;
  /* The first error is the cause, the rest fallout; CRIU also logs
   * harmless ones while probing the kernel (tun, its own RLIMIT_NOFILE). */
  for (line = strtok_r (data, "\n", &save); line && !last; line = strtok_r (NULL, "\n", &save))
    if (strstr (line, "Error (") && strstr (line, "RLIMIT_NOFILE") == NULL
        && strstr (line, "Unable to create tun") == NULL)
      last = line;
  return last ? strdup (last) : NULL;
}
