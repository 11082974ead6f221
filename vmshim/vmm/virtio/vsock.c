/* virtio-vsock, the device side: the three queues (rx, tx, event), the
 * guest's packets and the ones the VMM owes it.  The host sockets are
 * vsock_host.c's. */
#include "vmshim/vmm/virtio/vsock.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/vm_sockets.h>
#include <stdlib.h>
#include <string.h>

#include "vmshim/vmm/virtio/attach.h"
#include "vmshim/vmm/virtio/vsock_internal.h"
#include "vmshim/vmm/vm.h"

#define VSOCK_QUEUE_SIZE 256
#define HDR_SIZE sizeof (struct virtio_vsock_hdr)

uint32_t
vconn_peer_credit (const struct vconn *c)
{
  uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

  return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static struct sie_virtq *
rxq (struct sie_vsock *vs)
{
  return sie_vmmio_queue (vs->t, VSOCK_RX);
}

/* A header from the host side of connection c. */
static struct virtio_vsock_hdr
conn_hdr (struct sie_vsock *vs, struct vconn *c, uint16_t op, uint32_t flags, uint32_t len)
{
  struct virtio_vsock_hdr h = {
    .src_cid = htole64 (VMADDR_CID_HOST),
    .dst_cid = htole64 (vs->guest_cid),
    .src_port = htole32 (c->local_port),
    .dst_port = htole32 (c->peer_port),
    .len = htole32 (len),
    .type = htole16 (VIRTIO_VSOCK_TYPE_STREAM),
    .op = htole16 (op),
    .flags = htole32 (flags),
    .buf_alloc = htole32 (VSOCK_BUF_ALLOC),
    .fwd_cnt = htole32 (c->fwd_cnt),
  };
  c->fwd_cnt_sent = c->fwd_cnt;
  return h;
}

/* Puts one header-only packet in the next rx buffer; false when the guest
 * has none posted. */
static bool
send_packet (struct sie_vsock *vs, const struct virtio_vsock_hdr *h, bool *pushed)
{
  struct sie_virtq_chain chain;
  sie_error_t err = NULL;
  int r = sie_virtq_pop (rxq (vs), &chain, &err);

  if (r < 0)
    sie_vmmio_fail (vs->t, &err);
  if (r <= 0)
    return false;
  if (chain.in_bytes < HDR_SIZE)
    {
      sie_error (&err, 0, "rx buffer of %zu bytes, smaller than a header", chain.in_bytes);
      sie_vmmio_fail (vs->t, &err);
      return false;
    }
  sie_virtq_chain_write (&chain, 0, h, HDR_SIZE);
  sie_virtq_push (rxq (vs), &chain, HDR_SIZE);
  *pushed = true;
  return true;
}

/* Sends what connection c owes, in protocol order; false when the rx queue
 * ran dry first.  A sent RST ends the connection (*freed). */
static bool
pay_debts (struct sie_vsock *vs, struct vconn *c, bool *pushed, bool *freed)
{
  static const struct
  {
    unsigned bit;
    uint16_t op;
    uint32_t flags;
  } order[] = {
    { OWE_REQUEST, VIRTIO_VSOCK_OP_REQUEST, 0 },
    { OWE_RESPONSE, VIRTIO_VSOCK_OP_RESPONSE, 0 },
    { OWE_CREDIT, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0 },
    { OWE_SHUTDOWN, VIRTIO_VSOCK_OP_SHUTDOWN, 0 },
    { OWE_RST, VIRTIO_VSOCK_OP_RST, 0 },
  };

  *freed = false;
  for (size_t i = 0; i < sizeof (order) / sizeof (order[0]); i++)
    {
      struct virtio_vsock_hdr h;
      uint32_t flags = order[i].flags;

      if (!(c->owe & order[i].bit))
        continue;
      if (order[i].bit == OWE_SHUTDOWN)
        flags = VIRTIO_VSOCK_SHUTDOWN_SEND | (c->state == VCONN_CLOSING ? VIRTIO_VSOCK_SHUTDOWN_RCV : 0);
      h = conn_hdr (vs, c, order[i].op, flags, 0);
      if (!send_packet (vs, &h, pushed))
        return false;
      c->owe &= ~order[i].bit;
      if (order[i].bit == OWE_RST)
        {
          vconn_free (c);
          *freed = true;
          return true;
        }
    }
  return true;
}

static void
update_all_events (struct sie_vsock *vs)
{
  bool room = sie_vmmio_active (vs->t) && sie_virtq_has_avail (rxq (vs));

  for (struct vconn *c = vs->conns; c; c = c->next)
    vconn_update_events (c, room);
}

void
vsock_kick (struct sie_vsock *vs)
{
  bool pushed = false;

  if (sie_vmmio_active (vs->t) && sie_virtq_is_live (rxq (vs)))
    {
      while (vs->n_rst > 0 && send_packet (vs, &vs->rst[0], &pushed))
        memmove (&vs->rst[0], &vs->rst[1], --vs->n_rst * sizeof (vs->rst[0]));
      for (struct vconn *c = vs->conns, *next; c; c = next)
        {
          bool freed;
          next = c->next;
          if (c->owe && !pay_debts (vs, c, &pushed, &freed))
            break;
        }
    }
  if (pushed)
    sie_vmmio_signal_used (vs->t, VSOCK_RX);
  update_all_events (vs);
}

/* Moves what the host socket has into rx buffers while the guest has
 * credit and buffers; an end of stream becomes a SHUTDOWN. */
void
vsock_host_data (struct vconn *c)
{
  struct sie_vsock *vs = c->vs;
  bool pushed = false;

  /* Control packets first: no data may overtake the RESPONSE.  A
   * connection owed an RST gets no data; the kick may free it. */
  if (c->owe & OWE_RST)
    {
      vsock_kick (vs);
      return;
    }
  vsock_kick (vs);
  if (c->owe & (OWE_REQUEST | OWE_RESPONSE))
    return;
  while (sie_vmmio_active (vs->t) && c->state == VCONN_ESTABLISHED && !c->host_eof
         && !c->peer_no_recv)
    {
      struct sie_virtq_chain chain;
      struct iovec iov[SIE_VIRTQ_MAX_IOV];
      struct virtio_vsock_hdr h;
      sie_error_t err = NULL;
      uint32_t credit = vconn_peer_credit (c);
      unsigned n;
      ssize_t got;
      int r;

      if (credit == 0)
        break;
      r = sie_virtq_pop (rxq (vs), &chain, &err);
      if (r < 0)
        sie_vmmio_fail (vs->t, &err);
      if (r <= 0)
        break;
      if (chain.in_bytes <= HDR_SIZE)
        {
          sie_error (&err, 0, "rx buffer of %zu bytes has no room for data", chain.in_bytes);
          sie_vmmio_fail (vs->t, &err);
          break;
        }
      n = sie_virtq_chain_in_iov (&chain, HDR_SIZE, iov, SIE_VIRTQ_MAX_IOV,
                                  credit < VSOCK_MAX_PAYLOAD ? credit : VSOCK_MAX_PAYLOAD);
      got = vconn_from_host (c, iov, n);
      if (got < 0)
        {
          sie_virtq_unpop (rxq (vs));
          break;
        }
      if (got == 0)
        {
          /* The host will send nothing more: tell the guest, in this buffer. */
          c->host_eof = true;
          h = conn_hdr (vs, c, VIRTIO_VSOCK_OP_SHUTDOWN, VIRTIO_VSOCK_SHUTDOWN_SEND, 0);
          sie_virtq_chain_write (&chain, 0, &h, HDR_SIZE);
          sie_virtq_push (rxq (vs), &chain, HDR_SIZE);
          pushed = true;
          break;
        }
      h = conn_hdr (vs, c, VIRTIO_VSOCK_OP_RW, 0, got);
      sie_virtq_chain_write (&chain, 0, &h, HDR_SIZE);
      sie_virtq_push (rxq (vs), &chain, HDR_SIZE + got);
      c->tx_cnt += got;
      pushed = true;
    }
  if (pushed)
    sie_vmmio_signal_used (vs->t, VSOCK_RX);
  vsock_kick (vs);
}

/* An RST for a packet no connection takes (never in reply to an RST). */
static void
refuse (struct sie_vsock *vs, const struct virtio_vsock_hdr *in)
{
  struct virtio_vsock_hdr *h;

  if (le16toh (in->op) == VIRTIO_VSOCK_OP_RST || vs->n_rst >= VSOCK_PENDING_RST)
    return;
  h = &vs->rst[vs->n_rst++];
  *h = (struct virtio_vsock_hdr) {
    .src_cid = htole64 (VMADDR_CID_HOST),
    .dst_cid = htole64 (vs->guest_cid),
    .src_port = in->dst_port,
    .dst_port = in->src_port,
    .type = htole16 (VIRTIO_VSOCK_TYPE_STREAM),
    .op = htole16 (VIRTIO_VSOCK_OP_RST),
  };
}

static void
guest_shutdown (struct vconn *c, uint32_t flags)
{
  if (flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
    c->peer_no_recv = true;
  if (flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
    {
      c->peer_no_send = true;
      vconn_host_shutdown_write (c);
    }
}

/* Guest data for the host socket: the chain's readable bytes after the
 * header, exactly the length the header claims. */
static void
guest_data (struct vconn *c, const struct sie_virtq_chain *chain, uint32_t len)
{
  struct iovec iov[SIE_VIRTQ_MAX_IOV];
  unsigned n;

  if (len > chain->out_bytes - HDR_SIZE || c->peer_no_send)
    {
      c->owe |= OWE_RST;
      return;
    }
  n = sie_virtq_chain_out_iov (chain, HDR_SIZE, iov, SIE_VIRTQ_MAX_IOV, len);
  if (vconn_to_host (c, iov, n, len) < 0)
    c->owe |= OWE_RST;
}

static void
guest_packet (struct sie_vsock *vs, const struct virtio_vsock_hdr *h,
              const struct sie_virtq_chain *chain)
{
  uint32_t host_port = le32toh (h->dst_port), guest_port = le32toh (h->src_port);
  uint16_t op = le16toh (h->op);
  struct vconn *c;

  /* Only the guest's own CID may speak, and only to the host. */
  if (le64toh (h->src_cid) != vs->guest_cid || le64toh (h->dst_cid) != VMADDR_CID_HOST)
    return;
  if (le16toh (h->type) != VIRTIO_VSOCK_TYPE_STREAM)
    {
      refuse (vs, h);
      return;
    }
  c = vconn_find (vs, host_port, guest_port);
  if (c == NULL && op == VIRTIO_VSOCK_OP_REQUEST)
    {
      c = vconn_connect_host (vs, host_port, guest_port);
      if (c == NULL)
        {
          refuse (vs, h);
          return;
        }
      c->owe |= OWE_RESPONSE;
    }
  if (c == NULL)
    {
      refuse (vs, h);
      return;
    }
  c->peer_buf_alloc = le32toh (h->buf_alloc);
  c->peer_fwd_cnt = le32toh (h->fwd_cnt);

  switch (op)
    {
    case VIRTIO_VSOCK_OP_REQUEST:
      break;
    case VIRTIO_VSOCK_OP_RESPONSE:
      if (c->state != VCONN_CONNECTING || vconn_established (c) < 0)
        c->owe |= OWE_RST;
      break;
    case VIRTIO_VSOCK_OP_RST:
      vconn_free (c);
      break;
    case VIRTIO_VSOCK_OP_SHUTDOWN:
      guest_shutdown (c, le32toh (h->flags));
      break;
    case VIRTIO_VSOCK_OP_RW:
      if (c->state == VCONN_ESTABLISHED || c->state == VCONN_CLOSING)
        guest_data (c, chain, le32toh (h->len));
      else
        c->owe |= OWE_RST;
      break;
    case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
      break;
    case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
      c->owe |= OWE_CREDIT;
      break;
    default:
      c->owe |= OWE_RST;
      break;
    }
}

static void
process_tx (struct sie_vsock *vs)
{
  struct sie_virtq *q = sie_vmmio_queue (vs->t, VSOCK_TX);
  struct sie_virtq_chain chain;
  sie_error_t err = NULL;
  bool pushed = false;
  int r;

  while ((r = sie_virtq_pop (q, &chain, &err)) > 0)
    {
      struct virtio_vsock_hdr h;

      /* Copied out once: the guest may rewrite its buffer meanwhile. */
      if (sie_virtq_chain_read (&chain, 0, &h, HDR_SIZE) == HDR_SIZE)
        guest_packet (vs, &h, &chain);
      sie_virtq_push (q, &chain, 0);
      pushed = true;
    }
  if (pushed)
    sie_vmmio_signal_used (vs->t, VSOCK_TX);
  if (r < 0)
    sie_vmmio_fail (vs->t, &err);
}

static void
vsock_notify (struct sie_vmmio *t, unsigned q)
{
  struct sie_vsock *vs = t->dev;

  if (q == VSOCK_TX)
    process_tx (vs);
  /* New rx buffers, or packets that made the VMM owe some: both end here.
   * The event queue's buffers are kept for events the VMM never sends. */
  vsock_kick (vs);
}

static void
vsock_read_config (struct sie_vmmio *t, uint32_t off, uint8_t *data, unsigned len)
{
  struct sie_vsock *vs = t->dev;
  struct virtio_vsock_config config = { .guest_cid = htole64 (vs->guest_cid) };

  memcpy (data, (uint8_t *) &config + off, len);
}

static void
vsock_reset (struct sie_vmmio *t)
{
  struct sie_vsock *vs = t->dev;

  vconn_free_all (vs);
  vs->n_rst = 0;
}

static const struct sie_virtio_ops vsock_ops = {
  .name = "vsock",
  .device_id = VIRTIO_ID_VSOCK,
  .num_queues = 3,
  .queue_size = VSOCK_QUEUE_SIZE,
  .config_size = sizeof (struct virtio_vsock_config),
  .read_config = vsock_read_config,
  .reset = vsock_reset,
  .notify = vsock_notify,
};

static void
vsock_free (void *dev)
{
  struct sie_vsock *vs = dev;

  vsock_host_close (vs);
  free (vs);
}

int
sie_vsock_set_path (struct sie_vsock *vs, const char *uds, sie_error_t *err)
{
  if (strlen (uds) >= sizeof (vs->uds))
    return sie_error (err, 0, "vsock socket path %s is longer than %zu bytes", uds,
                      sizeof (vs->uds) - 1);
  strcpy (vs->uds, uds);
  return 0;
}

struct sie_vsock *
sie_vsock_attach (struct sie_vm *vm, const char *uds, uint32_t guest_cid, sie_error_t *err)
{
  struct sie_vsock *vs = calloc (1, sizeof (*vs));

  if (vs == NULL)
    {
      sie_error (err, errno, "allocate virtio-vsock");
      return NULL;
    }
  vs->vm = vm;
  vs->guest_cid = guest_cid;
  vs->listen_fd = -1;
  vs->next_port = VSOCK_HOST_PORT_FIRST;
  if (sie_vsock_set_path (vs, uds, err) < 0)
    {
      free (vs);
      return NULL;
    }
  if (vsock_host_listen (vs, err) < 0)
    {
      vsock_free (vs);
      return NULL;
    }
  vs->t = sie_virtio_attach (vm, &vsock_ops, vs, vsock_free, err);
  return vs->t ? vs : NULL;
}
