/* The command line: runc's global flags and commands. */
#ifndef SIE_CMD_H
#define SIE_CMD_H

#include <stdbool.h>

#include "util/error.h"
#include "util/log.h"

struct sie_globals
{
  const char *root;
  const char *log;
  enum sie_log_format log_format;
  bool debug;
  bool systemd_cgroup;
};

/* A command parses its own flags from argv (argv[0] is the command name)
 * and sets *id once it knows which container it acts on, so errors can
 * name it. */
typedef int (*sie_command_fn) (const struct sie_globals *g, int argc, char **argv,
                               const char **id, sie_error_t *err);

struct sie_command
{
  const char *name;
  sie_command_fn fn;
  bool enters_container; /* runs from a sealed copy of sie */
  const char *summary;
};

int cmd_create (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_start (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_exec (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_run (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_state (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_kill (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_delete (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_list (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_update (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_partition (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_pause (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_resume (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_ps (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_events (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_spec (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_features (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_checkpoint (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_restore (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_serve (const struct sie_globals *, int, char **, const char **, sie_error_t *);
int cmd_relocate (const struct sie_globals *, int, char **, const char **, sie_error_t *);

/* Shared helpers. */
int cmd_usage_error (sie_error_t *err, const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Takes exactly `want` positional arguments after the flags. */
int cmd_positional (int argc, char **argv, int want, const char *cmd, const char *names,
                    sie_error_t *err);
int cmd_parse_uint (const char *flag, const char *value, int *out, sie_error_t *err);

/* Container creation flags shared by create and run. */
struct create_flags
{
  const char *bundle;
  const char *console_socket;
  const char *pid_file;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool no_subreaper;
  bool detach;
  bool keep;
};

/* Parses create's flags (and run's with is_run); returns optind. */
int cmd_parse_create_flags (int argc, char **argv, bool is_run, struct create_flags *f,
                            sie_error_t *err);

/* Makes fds 0..2 and the ones handed to the container (LISTEN_FDS, then
 * `preserve` more) exist, so sie's own fds never land in that range. */
void cmd_reserve_fds (int preserve);

#endif
