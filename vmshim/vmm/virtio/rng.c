#include "vmshim/vmm/virtio/rng.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <sys/random.h>

#include "vmshim/vmm/virtio/attach.h"
#include "vmshim/vmm/virtio/mmio.h"

#define RNG_QUEUE_SIZE 64
/* Per request: the guest's hwrng core asks for small amounts anyway. */
#define RNG_MAX_BYTES 4096

/* Fills the chain's writable buffers; returns the bytes written. */
static size_t
fill (struct sie_virtq_chain *c)
{
  size_t done = 0;

  for (unsigned i = 0; i < c->n_in && done < RNG_MAX_BYTES; i++)
    {
      size_t want = c->in[i].iov_len;
      ssize_t n;

      if (want > RNG_MAX_BYTES - done)
        want = RNG_MAX_BYTES - done;
      n = getrandom (c->in[i].iov_base, want, GRND_NONBLOCK);
      if (n <= 0)
        break;
      done += n;
      if ((size_t) n < want)
        break;
    }
  return done;
}

static void
rng_notify (struct sie_vmmio *t, unsigned q)
{
  struct sie_virtq *vq = sie_vmmio_queue (t, q);
  struct sie_virtq_chain c;
  sie_error_t err = NULL;
  bool pushed = false;
  int r;

  while ((r = sie_virtq_pop (vq, &c, &err)) > 0)
    {
      sie_virtq_push (vq, &c, fill (&c));
      pushed = true;
    }
  if (pushed)
    sie_vmmio_signal_used (t, q);
  if (r < 0)
    sie_vmmio_fail (t, &err);
}

static const struct sie_virtio_ops rng_ops = {
  .name = "rng",
  .device_id = VIRTIO_ID_RNG,
  .num_queues = 1,
  .queue_size = RNG_QUEUE_SIZE,
  .notify = rng_notify,
};

static void
no_free (void *dev)
{
}

int
sie_vrng_attach (struct sie_vm *vm, sie_error_t *err)
{
  return sie_virtio_attach (vm, &rng_ops, NULL, no_free, err) ? 0 : -1;
}
