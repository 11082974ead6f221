#include "vmshim/vmm/serial.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"

/* Register offsets; DLL/DLM replace RBR/THR and IER while LCR.DLAB is set. */
enum
{
  REG_DATA = 0, /* RBR on read, THR on write; DLL with DLAB */
  REG_IER = 1,  /* DLM with DLAB */
  REG_IIR = 2,  /* FCR on write */
  REG_LCR = 3,
  REG_MCR = 4,
  REG_LSR = 5,
  REG_MSR = 6,
  REG_SCR = 7,
};

#define IER_RDI 0x01  /* receive data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_MASK 0x0f
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define FCR_FIFO_ENABLE 0x01
#define FCR_CLEAR_RCVR 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define RX_SIZE 64
#define OUT_SIZE 512

struct sie_serial
{
  pthread_mutex_t lock;
  int out_fd;
  int irq_fd;
  uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
  bool thre_pending; /* the THR-empty interrupt, until IIR reports it */
  bool irq_raised;
  uint8_t rx[RX_SIZE];
  unsigned rx_head, rx_len;
  uint8_t out[OUT_SIZE];
  size_t out_len;
};

struct sie_serial *
sie_serial_new (int out_fd, int irq_fd, sie_error_t *err)
{
  struct sie_serial *s = calloc (1, sizeof (*s));

  if (s == NULL)
    {
      sie_error (err, errno, "allocate the serial port");
      return NULL;
    }
  pthread_mutex_init (&s->lock, NULL);
  s->out_fd = out_fd;
  s->irq_fd = irq_fd;
  s->dll = 12; /* 9600 baud */
  s->mcr = MCR_OUT2;
  return s;
}

void
sie_serial_free (struct sie_serial *s)
{
  if (s == NULL)
    return;
  sie_serial_flush (s);
  if (s->out_fd >= 0)
    close (s->out_fd);
  if (s->irq_fd >= 0)
    close (s->irq_fd);
  pthread_mutex_destroy (&s->lock);
  free (s);
}

static void
flush_locked (struct sie_serial *s)
{
  /* A console nobody reads any more must not stop the guest. */
  if (s->out_len > 0 && s->out_fd >= 0)
    sie_write_all (s->out_fd, s->out, s->out_len);
  s->out_len = 0;
}

void
sie_serial_flush (struct sie_serial *s)
{
  pthread_mutex_lock (&s->lock);
  flush_locked (s);
  pthread_mutex_unlock (&s->lock);
}

static bool
interrupt_pending (const struct sie_serial *s)
{
  return ((s->ier & IER_RDI) && s->rx_len > 0) || ((s->ier & IER_THRI) && s->thre_pending);
}

/* The IRQ is edge-triggered: signal each time a condition appears. */
static void
update_irq (struct sie_serial *s)
{
  bool pending = interrupt_pending (s);
  uint64_t one = 1;

  if (pending && !s->irq_raised && s->irq_fd >= 0)
    if (write (s->irq_fd, &one, sizeof (one)) < 0)
      {
        /* an eventfd only fails when its counter is saturated */
      }
  s->irq_raised = pending;
}

static void
rx_push (struct sie_serial *s, uint8_t byte)
{
  if (s->rx_len < RX_SIZE)
    s->rx[(s->rx_head + s->rx_len++) % RX_SIZE] = byte;
}

static void
transmit (struct sie_serial *s, uint8_t byte)
{
  if (s->mcr & MCR_LOOP)
    rx_push (s, byte);
  else
    {
      s->out[s->out_len++] = byte;
      if (byte == '\n' || s->out_len == OUT_SIZE)
        flush_locked (s);
    }
  s->thre_pending = true;
}

static uint8_t
read_iir (struct sie_serial *s)
{
  uint8_t fifo = (s->fcr & FCR_FIFO_ENABLE) ? IIR_FIFO : 0;

  /* The driver reads IIR once per interrupt: a good moment to show a
   * partial line such as a shell prompt. */
  flush_locked (s);
  if ((s->ier & IER_RDI) && s->rx_len > 0)
    return fifo | IIR_RDI;
  if ((s->ier & IER_THRI) && s->thre_pending)
    {
      s->thre_pending = false;
      return fifo | IIR_THRI;
    }
  return fifo | IIR_NONE;
}

static uint8_t
read_msr (const struct sie_serial *s)
{
  if (!(s->mcr & MCR_LOOP))
    return MSR_DCD | MSR_DSR | MSR_CTS;
  return ((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0)
         | ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
}

static uint8_t
read_reg (struct sie_serial *s, unsigned reg)
{
  uint8_t v;

  switch (reg)
    {
    case REG_DATA:
      if (s->lcr & LCR_DLAB)
        return s->dll;
      if (s->rx_len == 0)
        return 0;
      v = s->rx[s->rx_head];
      s->rx_head = (s->rx_head + 1) % RX_SIZE;
      s->rx_len--;
      return v;
    case REG_IER:
      return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case REG_IIR:
      return read_iir (s);
    case REG_LCR:
      return s->lcr;
    case REG_MCR:
      return s->mcr;
    case REG_LSR:
      return LSR_THRE | LSR_TEMT | (s->rx_len > 0 ? LSR_DR : 0);
    case REG_MSR:
      return read_msr (s);
    default:
      return s->scr;
    }
}

static void
write_reg (struct sie_serial *s, unsigned reg, uint8_t v)
{
  switch (reg)
    {
    case REG_DATA:
      if (s->lcr & LCR_DLAB)
        s->dll = v;
      else
        transmit (s, v);
      break;
    case REG_IER:
      if (s->lcr & LCR_DLAB)
        s->dlm = v;
      else
        {
          /* Enabling THRI while the THR is empty interrupts at once. */
          if ((v & IER_THRI) && !(s->ier & IER_THRI))
            s->thre_pending = true;
          s->ier = v & IER_MASK;
        }
      break;
    case REG_IIR:
      s->fcr = v;
      if (v & FCR_CLEAR_RCVR)
        s->rx_len = 0;
      break;
    case REG_LCR:
      s->lcr = v;
      break;
    case REG_MCR:
      s->mcr = v & 0x1f;
      break;
    case REG_SCR:
      s->scr = v;
      break;
    default: /* LSR and MSR are read-only */
      break;
    }
}

void
sie_serial_pio (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write)
{
  struct sie_serial *s = opaque;

  pthread_mutex_lock (&s->lock);
  /* Registers are bytes; a wider access touches only the first. */
  if (write)
    write_reg (s, offset & 7, data[0]);
  else
    {
      memset (data, 0, len);
      data[0] = read_reg (s, offset & 7);
    }
  update_irq (s);
  pthread_mutex_unlock (&s->lock);
}

size_t
sie_serial_input (struct sie_serial *s, const uint8_t *buf, size_t len)
{
  size_t n = 0;

  pthread_mutex_lock (&s->lock);
  while (n < len && s->rx_len < RX_SIZE)
    rx_push (s, buf[n++]);
  update_irq (s);
  pthread_mutex_unlock (&s->lock);
  return n;
}
