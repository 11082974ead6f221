/* Real seccomp filters, built from config structs and loaded into forked
 * children: the kernel's answers are the assertions. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/security.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/sie-seccomp-XXXXXX";

static const char *
msg (sie_error_t e)
{
  return e ? e->msg : "(no error)";
}

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    if (!(cond))                                                               \
      {                                                                        \
        printf ("#   child: " __VA_ARGS__);                                    \
        printf (" (line %d)\n", __LINE__);                                     \
        fflush (stdout);                                                       \
        _exit (1);                                                             \
      }                                                                        \
  while (0)

static int
wait_child (pid_t pid)
{
  int status;

  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static pid_t
fork_flushed (void)
{
  fflush (stdout);
  return fork ();
}

/* mkdir(2) and mkdirat(2) straight, so libc cannot pick the other one. */
static int
do_mkdir (const char *name, mode_t mode)
{
  char path[256];
  snprintf (path, sizeof path, "%s/%s", tmpdir, name);
  return (int) syscall (SYS_mkdir, path, mode);
}

static void
install_or_die (struct sie_seccomp *s, int *listener)
{
  struct sie_seccomp_prog *p = NULL;
  sie_error_t err = NULL;

  CHECK (sie_seccomp_prepare (s, &p, &err) == 0, "prepare: %s", msg (err));
  CHECK (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
  CHECK (sie_seccomp_install (p, listener, &err) == 0, "install: %s", msg (err));
  sie_seccomp_free (p);
}

/* ---- ERRNO with errnoRet ---- */

static void
child_errno (void)
{
  char *names[] = { "mkdir", "mkdirat", NULL };
  struct sie_seccomp_syscall calls[] = {
    { .names = names, .n_names = 2, .action = "SCMP_ACT_ERRNO", .errno_ret = { true, 42 } },
  };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = calls, .n_syscalls = 1 };
  int fd = 99;

  install_or_die (&s, &fd);
  CHECK (fd == -1, "listener fd %d without NOTIFY", fd);
  CHECK (do_mkdir ("a", 0755) < 0 && errno == 42, "mkdir: ret errno %d", errno);
  CHECK (getpid () > 0, "getpid still allowed");
  _exit (0);
}

/* ---- argument conditions ---- */

static void
child_args (void)
{
  char *names[] = { "mkdir", NULL };
  /* two conditions on the same argument: one rule each (OR), as runc */
  struct sie_seccomp_arg same_index[] = {
    { .index = 1, .value = 0700, .op = "SCMP_CMP_EQ" },
    { .index = 1, .value = 0711, .op = "SCMP_CMP_EQ" },
  };
  struct sie_seccomp_syscall calls[] = {
    { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = { true, 43 },
      .args = same_index, .n_args = 2 },
  };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = calls, .n_syscalls = 1 };

  install_or_die (&s, NULL);
  CHECK (do_mkdir ("b0700", 0700) < 0 && errno == 43, "mode 0700 not denied (errno %d)", errno);
  CHECK (do_mkdir ("b0711", 0711) < 0 && errno == 43, "mode 0711 not denied (errno %d)", errno);
  CHECK (do_mkdir ("b0755", 0755) == 0, "mode 0755 denied (errno %d)", errno);
  _exit (0);
}

static void
child_masked_and (void)
{
  char *names[] = { "mkdir", NULL };
  /* conditions on different arguments: one rule, ANDed.  MASKED_EQ takes
   * the mask in value and the expected bits in valueTwo. */
  struct sie_seccomp_arg conds[] = {
    { .index = 1, .value = 0077, .value_two = 0, .op = "SCMP_CMP_MASKED_EQ" },
    { .index = 0, .value = 0, .op = "SCMP_CMP_NE" },
  };
  struct sie_seccomp_syscall calls[] = {
    { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .args = conds, .n_args = 2 },
  };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = calls, .n_syscalls = 1 };

  install_or_die (&s, NULL);
  CHECK (do_mkdir ("c0700", 0700) < 0 && errno == EPERM, "mode 0700 not denied with EPERM (errno %d)", errno);
  CHECK (do_mkdir ("c0755", 0755) == 0, "mode 0755 denied (errno %d)", errno);
  _exit (0);
}

/* ---- default action with defaultErrnoRet, allow-list style ---- */

/* A 32-bit system call from this 64-bit process (seccomp sees AUDIT_ARCH_I386). */
static long
int80 (long nr, long a, long b)
{
  long ret;
  __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
  return ret;
}

static bool ia32_works;

static void
child_default_errno (void)
{
  /* Everything the child still needs is allowed; mkdir falls to the default. */
  char *allowed[] = { "exit", "exit_group", "write", "getpid", "brk", "mmap", "munmap",
                      "rt_sigreturn", "rt_sigprocmask", "futex", "madvise", "sigaltstack", NULL };
  struct sie_seccomp_syscall calls[] = {
    { .names = allowed, .n_names = 12, .action = "SCMP_ACT_ALLOW" },
  };
  char *arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
  char *flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ERRNO", .default_errno_ret = { true, 44 },
                           .architectures = arches, .n_architectures = 3, .flags = flags, .n_flags = 2,
                           .syscalls = calls, .n_syscalls = 1 };

  install_or_die (&s, NULL);
  if (do_mkdir ("d", 0755) == 0 || errno != 44)
    _exit (2);
  /* Above the highest syscall the profile names: the -ENOSYS stub answers,
   * so libc would fall back (clone3 -> clone). */
  if (syscall (SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
    _exit (3);
  if (syscall (1000) != -1 || errno != ENOSYS)
    _exit (4);
  /* x32 numbers carry bit 30 under the x86_64 arch: below the x32 maximum
   * the filter's default answers, above it the stub. */
  if (syscall (0x40000000 | 83) != -1 || errno != 44)
    _exit (5);
  if (syscall (0x40000000 | 1000) != -1 || errno != ENOSYS)
    _exit (6);
  if (ia32_works)
    {
      /* i386 entry: getpid (20) is allowed, mkdir (39) is not, 1000 is new */
      if (int80 (20, 0, 0) != getpid ())
        _exit (7);
      if (int80 (39, 0, 0) != -44)
        _exit (8);
      if (int80 (1000, 0, 0) != -ENOSYS)
        _exit (9);
    }
  _exit (getpid () > 0 ? 0 : 10);
}

/* No architectures listed: no stub (as runc), the default answers. */
static void
child_no_arches_no_stub (void)
{
  char *allowed[] = { "exit", "exit_group", "write", "getpid", "brk", "mmap", "munmap",
                      "rt_sigreturn", "rt_sigprocmask", "futex", "madvise", "sigaltstack", NULL };
  struct sie_seccomp_syscall calls[] = { { .names = allowed, .n_names = 12, .action = "SCMP_ACT_ALLOW" } };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ERRNO", .syscalls = calls, .n_syscalls = 1 };

  install_or_die (&s, NULL);
  if (syscall (1000) != -1 || errno != EPERM)
    _exit (2);
  _exit (0);
}

static void
child_kill (const char *action)
{
  char *names[] = { "mkdir", NULL };
  char *arches[] = { "SCMP_ARCH_X86_64", NULL };
  struct sie_seccomp_syscall calls[] = { { .names = names, .n_names = 1, .action = (char *) action } };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .architectures = arches,
                           .n_architectures = 1, .syscalls = calls, .n_syscalls = 1 };

  install_or_die (&s, NULL);
  do_mkdir ("k", 0755);
  _exit (0);
}

/* ---- NOTIFY: listener sent to an agent socket, agent answers ---- */

static const char state_json[] = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1,"
                                 "\"metadata\":\"m\",\"state\":{\"id\":\"c1\"}}";

static void
child_notify (const char *sock_path)
{
  char *names[] = { "mkdir", NULL };
  char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC", NULL };
  struct sie_seccomp_syscall calls[] = {
    { .names = names, .n_names = 1, .action = "SCMP_ACT_NOTIFY" },
  };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .listener_path = (char *) sock_path,
                           .flags = flags, .n_flags = 2, .syscalls = calls, .n_syscalls = 1 };
  sie_error_t err = NULL;
  int fd = -1;

  install_or_die (&s, &fd);
  CHECK (fd >= 0, "no listener fd");
  CHECK (sie_seccomp_send_listener (sock_path, state_json, fd, &err) == 0, "send: %s", msg (err));
  close (fd);
  /* the agent answers this one with errno 77 */
  CHECK (do_mkdir ("n", 0755) < 0 && errno == 77, "mkdir under notify: errno %d", errno);
  _exit (0);
}

/* Receives the JSON and the fd in one message. */
static int
recv_listener (int conn, char *buf, size_t size, int *fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                      .msg_controllen = sizeof control.buf };
  struct cmsghdr *c;
  ssize_t n = recvmsg (conn, &m, MSG_CMSG_CLOEXEC);

  *fd = -1;
  if (n < 0)
    return -1;
  buf[n] = '\0';
  c = CMSG_FIRSTHDR (&m);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy (fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

static int
answer_one (int notify_fd, int error)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;

  memset (&req, 0, sizeof req);
  if (ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    return -1;
  if (req.data.nr != SYS_mkdir)
    return -2;
  memset (&resp, 0, sizeof resp);
  resp.id = req.id;
  resp.error = -error;
  return ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void
test_notify (void)
{
  char sock_path[256], link[256] = "", fdpath[64], buf[4096];
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int lsock, conn, notify_fd = -1;
  pid_t pid;
  ssize_t n;

  snprintf (sock_path, sizeof sock_path, "%s/agent.sock", tmpdir);
  strcpy (addr.sun_path, sock_path);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ok (lsock >= 0 && bind (lsock, (struct sockaddr *) &addr, sizeof addr) == 0 && listen (lsock, 1) == 0,
      "notify: agent socket listening");

  pid = fork_flushed ();
  if (pid == 0)
    child_notify (sock_path);
  conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  ok (conn >= 0 && recv_listener (conn, buf, sizeof buf, &notify_fd) == 0,
      "notify: agent received a message");
  is_str (buf, state_json, "notify: the payload is the container process state JSON");
  snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", notify_fd);
  n = notify_fd >= 0 ? readlink (fdpath, link, sizeof link - 1) : -1;
  link[n > 0 ? n : 0] = '\0';
  is_str (link, "anon_inode:seccomp notify", "notify: the SCM_RIGHTS fd is a seccomp listener");
  ok (answer_one (notify_fd, 77) == 0, "notify: agent answered the child's mkdir");
  ok (wait_child (pid) == 0, "notify: the child saw the agent's errno 77");
  close (notify_fd);
  close (conn);
  close (lsock);
}

static void
test_send_errors (void)
{
  sie_error_t err = NULL;
  char path[256];

  snprintf (path, sizeof path, "%s/nobody.sock", tmpdir);
  ok (sie_seccomp_send_listener (path, state_json, 0, &err) < 0
          && strstr (msg (err), "linux.seccomp.listenerPath: connecting to \"") == msg (err)
          && strstr (msg (err), "No such file or directory"),
      "send: a missing listener socket is an error naming listenerPath (%s)", msg (err));
  sie_error_release (&err);
}

/* A profile that compiles but cannot load without privileges. */
static void
child_no_privs (void)
{
  char *names[] = { "mkdir", NULL };
  struct sie_seccomp_syscall calls[] = { { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO" } };
  struct sie_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = calls, .n_syscalls = 1 };
  struct sie_seccomp_prog *p = NULL;
  sie_error_t err = NULL;

  CHECK (sie_seccomp_prepare (&s, &p, &err) == 0, "prepare: %s", msg (err));
  /* drop CAP_SYS_ADMIN by becoming nobody, without no_new_privs */
  CHECK (setresgid (65534, 65534, 65534) == 0 && setresuid (65534, 65534, 65534) == 0, "setuid");
  CHECK (sie_seccomp_install (p, NULL, &err) < 0, "install worked without privileges");
  CHECK (strcmp (msg (err), "linux.seccomp: loading the filter (needs CAP_SYS_ADMIN or "
                 "process.noNewPrivileges): Permission denied") == 0, "message: %s", msg (err));
  _exit (0);
}

int
main (void)
{
  pid_t pid;

  if (mkdtemp (tmpdir) == NULL)
    return 1;
  /* IA32 emulation may be compiled out; then int 0x80 kills the caller. */
  if ((pid = fork_flushed ()) == 0)
    _exit (int80 (20, 0, 0) == getpid () ? 0 : 1);
  ia32_works = wait_child (pid) == 0;
  if (!ia32_works)
    printf ("# no IA32 emulation: the i386 checks are skipped\n");
  chmod (tmpdir, 0777);

  if ((pid = fork_flushed ()) == 0)
    child_errno ();
  ok (wait_child (pid) == 0, "errno: mkdir fails with errnoRet 42, other syscalls pass");
  if ((pid = fork_flushed ()) == 0)
    child_args ();
  ok (wait_child (pid) == 0, "args: two conditions on one argument are ORed (separate rules)");
  if ((pid = fork_flushed ()) == 0)
    child_masked_and ();
  ok (wait_child (pid) == 0, "args: MASKED_EQ with conditions on two arguments ANDed, EPERM by default");
  if ((pid = fork_flushed ()) == 0)
    child_default_errno ();
  ok (wait_child (pid) == 0, "default: defaultErrnoRet 44 with extra arches, TSYNC and SPEC_ALLOW; newer syscalls get ENOSYS");
  if ((pid = fork_flushed ()) == 0)
    child_no_arches_no_stub ();
  ok (wait_child (pid) == 0, "default: without architectures there is no -ENOSYS stub (as runc)");
  if ((pid = fork_flushed ()) == 0)
    child_kill ("SCMP_ACT_KILL_PROCESS");
  ok (wait_child (pid) == 128 + SIGSYS, "kill: SCMP_ACT_KILL_PROCESS kills with SIGSYS");
  if ((pid = fork_flushed ()) == 0)
    child_kill ("SCMP_ACT_TRAP");
  ok (wait_child (pid) == 128 + SIGSYS, "trap: SCMP_ACT_TRAP raises SIGSYS");
  if ((pid = fork_flushed ()) == 0)
    child_no_privs ();
  ok (wait_child (pid) == 0, "install: without CAP_SYS_ADMIN or no_new_privs the error says so");

  test_notify ();
  test_send_errors ();

  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", tmpdir);
  return tap_done ();
}
