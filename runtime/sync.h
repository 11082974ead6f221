/* The channel between sie and the container's init while it is being set
 * up: a SOCK_SEQPACKET socketpair, so each message arrives whole, with an
 * optional fd attached. */
#ifndef SIE_SYNC_H
#define SIE_SYNC_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

enum sie_sync_type
{
  SIE_SYNC_GO = 1,       /* parent: maps and cgroup done; payload: init's host pid */
  SIE_SYNC_HOOKS,        /* child: mounts ready, run prestart/createRuntime */
  SIE_SYNC_HOOKS_DONE,   /* parent */
  SIE_SYNC_SECCOMP_FD,   /* child: the notify listener fd is attached */
  SIE_SYNC_SECCOMP_DONE, /* parent */
  SIE_SYNC_READY,        /* child: waiting for start */
  SIE_SYNC_ERROR,        /* child: payload is the error message */
};

#define SIE_SYNC_MAX_PAYLOAD 4096

struct sie_sync_msg
{
  int type;
  int fd; /* -1 when none */
  size_t len;
  char payload[SIE_SYNC_MAX_PAYLOAD];
};

int sie_sync_send (int sock, int type, const void *payload, size_t len, int fd, sie_error_t *err);
/* Receives one message.  A closed peer is an error with status EPIPE. */
int sie_sync_recv (int sock, struct sie_sync_msg *m, sie_error_t *err);
/* Receives one message and requires its type (SIE_SYNC_ERROR becomes the
 * child's error). */
int sie_sync_expect (int sock, int type, struct sie_sync_msg *m, sie_error_t *err);

/* Sends/receives a single fd with a data payload over a stream or packet
 * socket (also used for --console-socket). */
int sie_send_fd (int sock, int fd, const void *data, size_t len, sie_error_t *err);

#endif
