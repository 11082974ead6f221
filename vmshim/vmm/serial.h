/* A 16550A UART at COM1 (0x3f8, IRQ 4): the guest's console.  What the
 * guest transmits goes to an fd (stdout or a file), line by line; what
 * arrives on the input fd is queued for the guest's receiver.  It passes
 * the Linux 8250 driver's probe: scratch, loopback and FIFO detection. */
#ifndef SIE_VMM_SERIAL_H
#define SIE_VMM_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct sie_serial;

/* irq_fd: an eventfd bound to the UART's IRQ with irqfd.  The UART owns
 * both fds from here on. */
struct sie_serial *sie_serial_new (int out_fd, int irq_fd, sie_error_t *err);
void sie_serial_free (struct sie_serial *s);

/* Bus handler for the eight registers. */
void sie_serial_pio (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write);

/* Queues bytes from the host for the guest; returns how many fit. */
size_t sie_serial_input (struct sie_serial *s, const uint8_t *buf, size_t len);

/* Writes out whatever partial line is buffered. */
void sie_serial_flush (struct sie_serial *s);

#endif
