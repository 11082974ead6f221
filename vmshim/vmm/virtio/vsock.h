/* virtio-vsock (device 19) in Firecracker's hybrid model: the guest's
 * AF_VSOCK connects to host Unix sockets.
 *
 * - Host to guest: a host process connects to the Unix socket at `uds` and
 *   writes "CONNECT <port>\n"; the VMM opens a vsock connection to the
 *   guest's port and answers "OK <host port>\n", after which the Unix
 *   connection carries the stream.  A refused connection closes it.
 * - Guest to host: a guest connect() to CID 2 (the host), port P, becomes
 *   a connection to the Unix socket "<uds>_P", if someone listens there.
 *
 * Every header the guest writes is copied out of guest memory and checked
 * (CIDs, type, op, length against the chain) before use; a connection that
 * overruns the buffer space it was granted is reset. */
#ifndef SIE_VMM_VIRTIO_VSOCK_H
#define SIE_VMM_VIRTIO_VSOCK_H

#include <stdint.h>

#include "util/error.h"

struct sie_vm;
struct sie_vsock;

/* Creates the listening socket at uds (replacing a stale socket file). */
struct sie_vsock *sie_vsock_attach (struct sie_vm *vm, const char *uds, uint32_t guest_cid,
                                    sie_error_t *err);

/* The socket's directory now appears at another path (a jail): guest
 * connections and the final unlink use it from here on. */
int sie_vsock_set_path (struct sie_vsock *vs, const char *uds, sie_error_t *err);

#endif
