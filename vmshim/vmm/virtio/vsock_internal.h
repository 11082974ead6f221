/* Shared between the vsock device (vsock.c: queues and packets) and its
 * host side (vsock_host.c: Unix sockets and connections).  All of it runs
 * under the transport's lock. */
#ifndef SIE_VMM_VIRTIO_VSOCK_INTERNAL_H
#define SIE_VMM_VIRTIO_VSOCK_INTERNAL_H

#include <linux/virtio_vsock.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "vmshim/vmm/event.h"
#include "vmshim/vmm/virtio/mmio.h"

/* Bytes of guest data the VMM holds for a connection whose host socket is
 * slow: the buffer space it advertises to the guest (buf_alloc). */
#define VSOCK_BUF_ALLOC (128 * 1024)
/* The largest payload the VMM puts in one packet for the guest. */
#define VSOCK_MAX_PAYLOAD (64 * 1024)
#define VSOCK_MAX_CONNS 256
/* Ports the VMM gives host-initiated connections on its side. */
#define VSOCK_HOST_PORT_FIRST (1u << 30)
#define VSOCK_CMD_MAX 32 /* "CONNECT 4294967295\n" fits */
#define VSOCK_PENDING_RST 32

enum vsock_queue
{
  VSOCK_RX = 0,
  VSOCK_TX = 1,
  VSOCK_EVENT = 2,
};

enum vconn_state
{
  VCONN_READ_CMD,    /* host connected; reading "CONNECT <port>\n" */
  VCONN_CONNECTING,  /* REQUEST sent (or to send) to the guest */
  VCONN_ESTABLISHED, /* data flows */
  VCONN_CLOSING,     /* SHUTDOWN sent to the guest; waiting for its RST */
};

/* Packets owed to the guest, sent as rx buffers allow, in this order. */
enum
{
  OWE_REQUEST = 1 << 0,
  OWE_RESPONSE = 1 << 1,
  OWE_SHUTDOWN = 1 << 2,
  OWE_RST = 1 << 3,
  OWE_CREDIT = 1 << 4,
};

struct vconn
{
  struct vconn *next;
  struct sie_vsock *vs;
  int fd;
  struct sie_ev ev;
  uint32_t ev_mask;
  bool registered; /* in the epoll set, possibly with no events */
  enum vconn_state state;
  uint32_t local_port; /* the host side's port */
  uint32_t peer_port;  /* the guest's port */
  unsigned owe;        /* OWE_* */

  /* Credit (virtio 1.2, 5.10.6.3): what the guest told us, what we sent
   * it and what we forwarded from it. */
  uint32_t peer_buf_alloc, peer_fwd_cnt;
  uint32_t tx_cnt;
  uint32_t fwd_cnt, fwd_cnt_sent;

  bool host_eof;      /* the host socket will send nothing more */
  bool peer_no_send;  /* the guest shut down its sending side */
  bool peer_no_recv;  /* the guest shut down its receiving side */

  /* Guest data the host socket did not take yet. */
  uint8_t *txbuf;
  size_t tx_len;

  char cmd[VSOCK_CMD_MAX];
  size_t cmd_len;
};

struct sie_vsock
{
  struct sie_vm *vm;
  struct sie_vmmio *t;
  uint64_t guest_cid;
  char uds[sizeof (((struct sockaddr_un *) 0)->sun_path)];
  int listen_fd;
  struct sie_ev listen_ev;
  struct vconn *conns;
  unsigned n_conns;
  uint32_t next_port;
  /* Resets for packets that belong to no connection. */
  struct virtio_vsock_hdr rst[VSOCK_PENDING_RST];
  unsigned n_rst;
};

/* vsock.c */
/* Sends the guest what it is owed and re-arms every connection's events. */
void vsock_kick (struct sie_vsock *vs);
/* The host socket of c is readable: its data goes to the guest. */
void vsock_host_data (struct vconn *c);
uint32_t vconn_peer_credit (const struct vconn *c);

/* vsock_host.c */
int vsock_host_listen (struct sie_vsock *vs, sie_error_t *err);
void vsock_host_close (struct sie_vsock *vs);
struct vconn *vconn_find (struct sie_vsock *vs, uint32_t local_port, uint32_t peer_port);
/* A guest REQUEST to host port `port`: a connection to "<uds>_<port>". */
struct vconn *vconn_connect_host (struct sie_vsock *vs, uint32_t port, uint32_t peer_port);
void vconn_free (struct vconn *c);
void vconn_free_all (struct sie_vsock *vs);
/* The guest accepted a host-initiated connection: "OK <port>\n". */
int vconn_established (struct vconn *c);
/* Guest payload for the host socket; -1 when it exceeds the credit. */
int vconn_to_host (struct vconn *c, const struct iovec *iov, unsigned n, size_t len);
/* Fills buf from the host socket: >0 bytes, 0 end of stream, -1 nothing now. */
ssize_t vconn_from_host (struct vconn *c, const struct iovec *iov, unsigned n);
/* Shuts the host socket's writing side once the buffered data is gone. */
void vconn_host_shutdown_write (struct vconn *c);
/* Re-arms epoll for what the connection can do now. */
void vconn_update_events (struct vconn *c, bool rx_room);

#endif
