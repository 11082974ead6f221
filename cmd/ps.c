/* `ps [-f table|json] ID [--] [ps-args...]`, as runc: json prints the pids
 * of the container's cgroup; table runs the host's ps (default `-ef`) and
 * keeps its header and the lines whose PID column is one of them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "runtime/container.h"
#include "util/cleanup.h"

static void
print_json (const pid_t *pids, size_t n)
{
  /* exactly runc's encoding/json output: [1,2,3] and a newline */
  putchar ('[');
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int) pids[i]);
  puts ("]");
}

static int
read_all (int fd, char **out, sie_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0;

  for (;;)
    {
      ssize_t r;
      if (cap - len < 4096)
        {
          char *grown = realloc (buf, cap + 65536);
          if (grown == NULL)
            return sie_error (err, ENOMEM, "ps: read its output");
          buf = grown;
          cap += 65536;
        }
      r = read (fd, buf + len, cap - len - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return sie_error (err, errno, "ps: read its output");
      if (r == 0)
        break;
      len += (size_t) r;
    }
  buf[len] = '\0';
  *out = move_ptr (buf);
  return 0;
}

/* Runs the host's `ps` with args (NULL-terminated, args[0] = "ps") and
 * returns its stdout and stderr together, as runc does. */
static int
run_host_ps (char **args, char **out, sie_error_t *err)
{
  cleanup_close int rd = -1;
  int pipefd[2], status, e;
  posix_spawn_file_actions_t fa;
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return sie_error (err, errno, "ps: pipe");
  rd = pipefd[0];
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2 (&fa, pipefd[1], STDERR_FILENO);
  e = posix_spawnp (&pid, "ps", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (pipefd[1]);
  if (e != 0)
    return sie_error (err, e, "ps: run the host's ps");
  e = read_all (rd, out, err);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return sie_error (err, errno, "ps: wait for the host's ps");
  if (e < 0)
    return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      char *nl = strchr (*out, '\n');
      if (nl)
        *nl = '\0';
      sie_error (err, 0, "ps: the host's ps failed (%s %d): %s",
                 WIFEXITED (status) ? "exit status" : "signal",
                 WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), *out);
      free (*out);
      *out = NULL;
      return -1;
    }
  return 0;
}

/* The whitespace-separated field number `index` of line, or NULL. */
static const char *
field (const char *line, size_t index, size_t *len)
{
  const char *p = line;

  for (size_t i = 0;; i++)
    {
      p += strspn (p, " \t");
      if (*p == '\0')
        return NULL;
      *len = strcspn (p, " \t");
      if (i == index)
        return p;
      p += *len;
    }
}

static int
pid_column (const char *header, size_t *index, sie_error_t *err)
{
  size_t len;
  const char *f;

  for (size_t i = 0; (f = field (header, i, &len)) != NULL; i++)
    if (len == 3 && memcmp (f, "PID", 3) == 0)
      {
        *index = i;
        return 0;
      }
  return sie_error (err, 0, "ps: no PID column in the host's ps output (header \"%s\")", header);
}

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

static int
print_table (char *output, const pid_t *pids, size_t n, sie_error_t *err)
{
  char *save = NULL, *header = strtok_r (output, "\n", &save), *line;
  size_t col = 0;

  if (header == NULL)
    return sie_error (err, 0, "ps: the host's ps printed nothing");
  if (pid_column (header, &col, err) < 0)
    return -1;
  puts (header);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    {
      size_t len;
      const char *f = field (line, col, &len);
      char *end;
      long pid;

      if (f == NULL)
        continue;
      pid = strtol (f, &end, 10);
      if (end != f + len)
        return sie_error (err, 0, "ps: cannot parse the pid \"%.*s\" in \"%s\"", (int) len, f,
                          line);
      if (has_pid (pids, n, pid))
        puts (line);
    }
  return 0;
}

static int
show_table (char **ps_args, int n_args, const pid_t *pids, size_t n, sie_error_t *err)
{
  cleanup_free char **args = calloc ((size_t) n_args + 2, sizeof (char *));
  cleanup_free char *output = NULL;

  if (args == NULL)
    return sie_error (err, ENOMEM, "ps");
  args[0] = (char *) "ps";
  if (n_args == 0)
    args[1] = (char *) "-ef";
  for (int i = 0; i < n_args; i++)
    args[i + 1] = ps_args[i];
  if (run_host_ps (args, &output, err) < 0)
    return -1;
  return print_table (output, pids, n, err);
}

int
cmd_ps (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  static const struct option opts[]
      = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  const char *format = "table";
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  char **ps_args;
  int c, n_args;

  while ((c = getopt_long_only (argc, argv, "+:f:", opts, NULL)) != -1)
    {
      if (c == ':')
        return cmd_usage_error (err, "ps", "%s needs a value (table or json)", argv[optind - 1]);
      if (c != 'f')
        return cmd_usage_error (err, "ps", "unknown option \"%s\"", argv[optind - 1]);
      format = optarg;
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return cmd_usage_error (err, "ps", "invalid format \"%s\" (table or json)", format);
  if (optind >= argc)
    return cmd_positional (argc, argv, 1, "ps", "ID", err);
  *id = argv[optind];
  /* ps's own arguments follow the ID, optionally after "--" */
  ps_args = argv + optind + 1;
  n_args = argc - optind - 1;
  if (n_args > 0 && strcmp (ps_args[0], "--") == 0)
    {
      ps_args++;
      n_args--;
    }
  if (sie_container_pids (g->root, *id, &pids, &n, err) < 0)
    return -1;
  if (strcmp (format, "json") == 0)
    {
      print_json (pids, n);
      return 0;
    }
  return show_table (ps_args, n_args, pids, n, err);
}
