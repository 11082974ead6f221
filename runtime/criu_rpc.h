/* Talking to CRIU over its RPC: `criu swrk <fd>` on one end of a
 * SOCK_SEQPACKET socketpair, one protobuf message per packet.  CRIU may
 * send notifications (with an fd attached for "orphan-pts-master") before
 * its final answer; each is answered before CRIU goes on. */
#ifndef SIE_CRIU_RPC_H
#define SIE_CRIU_RPC_H

#include <stdbool.h>
#include <sys/types.h>

#include "criu/rpc.pb-c.h"
#include "util/error.h"

struct sie_criu
{
  pid_t pid;
  int sk;
};

/* The criu binary: --criu if given, else "criu" from PATH (runc's rule). */
void sie_criu_set_path (const char *path);
const char *sie_criu_path (void);

/* Starts `criu swrk`.  keep_fds (n_keep of them, may be NULL) stay open
 * in CRIU at the same numbers: images and work directory fds, inherited
 * stdio, namespace fds.  CRIU's stdio is sie's. */
int sie_criu_start (const int *keep_fds, size_t n_keep, struct sie_criu *c, sie_error_t *err);

/* A notification: script name ("post-dump", "setup-namespaces",
 * "post-restore", "orphan-pts-master", ...), the pid CRIU gives with it,
 * and an fd CRIU attached (-1 if none; the callee owns it).  A negative
 * return makes CRIU abort the operation. */
typedef int (*sie_criu_notify_fn) (void *data, const char *script, pid_t pid, int fd,
                                   sie_error_t *err);

/* Sends req, answers notifications through notify (may be NULL: all are
 * acknowledged), and returns CRIU's final response, which the caller frees
 * with criu_resp__free_unpacked.  An unsuccessful response is returned too:
 * the caller decides what it means. */
int sie_criu_call (struct sie_criu *c, CriuReq *req, sie_criu_notify_fn notify, void *data,
                   CriuResp **resp, sie_error_t *err);

/* Closes the socket and reaps CRIU. */
void sie_criu_finish (struct sie_criu *c);

/* One-shot feature query (mem_track, lazy_pages) against this kernel. */
int sie_criu_features (CriuFeatures *want, CriuFeatures **got, sie_error_t *err);

/* The last "Error" line of a CRIU log in dirfd, for messages; NULL if none. */
char *sie_criu_log_error (int dirfd, const char *log_name);

#endif
