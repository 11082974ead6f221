/* process.terminal: the init allocates a pty inside the container (from the
 * container's own devpts), makes the slave its controlling terminal and
 * stdio, and hands the master to --console-socket over SCM_RIGHTS, as runc
 * does. */
#ifndef SIE_TERMINAL_H
#define SIE_TERMINAL_H

#include "spec/config.h"
#include "util/error.h"

/* Connects to the console socket path (in the caller's mount namespace). */
int sie_console_socket_connect (const char *path, sie_error_t *err);

/* In the init, after pivot_root.  Consumes console_sock. */
int sie_terminal_setup (int console_sock, const struct sie_process *p, sie_error_t *err);

#endif
