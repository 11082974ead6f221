/* process.terminal: the init allocates a pty inside the container (from the
 * container's own devpts), makes the slave its controlling terminal and
 * stdio, and hands the master to --console-socket over SCM_RIGHTS, as runc
 * does. */
#ifndef SIE_TERMINAL_H
#define SIE_TERMINAL_H

#include <stdbool.h>

#include "spec/config.h"
#include "util/error.h"

/* Connects to the console socket path (in the caller's mount namespace). */
int sie_console_socket_connect (const char *path, sie_error_t *err);

/* Inside the container's mount namespace.  Consumes console_sock.  The
 * init also binds the slave over /dev/console; exec'd processes don't. */
int sie_terminal_setup (int console_sock, const struct sie_process *p, bool mount_dev_console,
                        sie_error_t *err);

#endif
