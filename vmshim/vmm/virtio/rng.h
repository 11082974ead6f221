/* virtio-rng (device 4): one queue; every writable buffer the driver posts
 * comes back full of getrandom() bytes. */
#ifndef SIE_VMM_VIRTIO_RNG_H
#define SIE_VMM_VIRTIO_RNG_H

#include "util/error.h"

struct sie_vm;

int sie_vrng_attach (struct sie_vm *vm, sie_error_t *err);

#endif
