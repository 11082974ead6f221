#include <getopt.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "runtime/container.h"

int
cmd_create (const struct sie_globals *g, int argc, char **argv, const char **id, sie_error_t *err)
{
  struct create_flags f = { 0 };
  struct sie_create_opts o;

  if (cmd_parse_create_flags (argc, argv, false, &f, err) < 0)
    return -1;
  if (cmd_positional (argc, argv, 1, "create", "ID", err) < 0)
    return -1;
  *id = argv[optind];
  cmd_reserve_fds (f.preserve_fds);
  o = (struct sie_create_opts){
    .root = g->root, .id = *id, .bundle = f.bundle, .console_socket = f.console_socket,
        .console_fd = -1, .pid_file = f.pid_file, .preserve_fds = f.preserve_fds, .no_pivot = f.no_pivot,
    .no_new_keyring = f.no_new_keyring,
  };
  return sie_container_create (&o, err) < 0 ? -1 : 0;
}
