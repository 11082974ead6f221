/* The floor: the least a container start can cost.  It does only the kernel
 * work every OCI runtime must do for a bundle with pid, mount, ipc, uts and
 * net namespaces and a /proc mount, and nothing else: no config parsing, no
 * cgroups, no state, no hooks.  bench/lifecycle compares sie against it.
 *
 *   floor ROOTFS CMD [ARGS...]
 *
 * Exits with CMD's exit status (128+N if it died of signal N); 125 when the
 * container could not be set up, 127 when CMD could not be executed. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_SETUP 125
#define EXIT_EXEC 127

#define NAMESPACES                                                             \
  (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)

struct floor_args
{
  const char *rootfs;
  char **argv;
};

static int
fail (const char *what, const char *path)
{
  fprintf (stderr, "floor: %s %s: %s\n", what, path, strerror (errno));
  return -1;
}

/* Same sequence runc and crun use: the bind mount makes ROOTFS a mount point
 * (pivot_root needs one) and pivot_root(".", ".") stacks the old root on top
 * of the new one, so detaching "." leaves only the new root. */
static int
enter_rootfs (const char *rootfs)
{
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return fail ("make rprivate", "/");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return fail ("bind mount", rootfs);
  if (chdir (rootfs) < 0)
    return fail ("chdir", rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return fail ("pivot_root", rootfs);
  if (umount2 (".", MNT_DETACH) < 0)
    return fail ("detach old root", "/");
  if (chdir ("/") < 0)
    return fail ("chdir", "/");
  if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
      < 0)
    return fail ("mount proc on", "/proc");
  return 0;
}

static int
container_main (void *data)
{
  struct floor_args *args = data;

  if (enter_rootfs (args->rootfs) < 0)
    return EXIT_SETUP;
  execvp (args->argv[0], args->argv);
  fail ("exec", args->argv[0]);
  return EXIT_EXEC;
}

static int
exit_code_of (int status)
{
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

int
main (int argc, char **argv)
{
  /* The child runs on this stack only until execvp. */
  static char stack[256 * 1024] __attribute__ ((aligned (16)));
  struct floor_args args;
  pid_t pid;
  int status;

  if (argc < 3)
    {
      fprintf (stderr, "usage: floor ROOTFS CMD [ARGS...]\n");
      return 2;
    }
  args.rootfs = argv[1];
  args.argv = argv + 2;

  pid = clone (container_main, stack + sizeof stack, NAMESPACES | SIGCHLD,
               &args);
  if (pid < 0)
    {
      fail ("clone", "namespaces");
      return EXIT_SETUP;
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        fail ("waitpid", "child");
        return EXIT_SETUP;
      }
  return exit_code_of (status);
}
