#include "vmshim/vmm/rtc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmshim/vmm/layout.h"

enum
{
  CMOS_SECONDS = 0x00,
  CMOS_MINUTES = 0x02,
  CMOS_HOURS = 0x04,
  CMOS_WEEKDAY = 0x06,
  CMOS_DAY = 0x07,
  CMOS_MONTH = 0x08,
  CMOS_YEAR = 0x09,
  CMOS_REG_A = 0x0a,
  CMOS_REG_B = 0x0b,
  CMOS_REG_C = 0x0c,
  CMOS_REG_D = 0x0d,
  CMOS_CENTURY = 0x32,
  CMOS_SIZE = 128,
};

#define REG_A_DIVIDER 0x26 /* 32.768 kHz base, 1024 Hz rate, UIP clear */
#define REG_B_24H 0x02     /* 24-hour, BCD */
#define REG_D_VRT 0x80     /* valid RAM and time */

struct sie_rtc
{
  pthread_mutex_t lock;
  uint8_t index;
  uint8_t cmos[CMOS_SIZE];
};

static uint8_t
bcd (int v)
{
  return (uint8_t) (((v / 10) << 4) | (v % 10));
}

static uint8_t
read_cmos (struct sie_rtc *rtc, uint8_t reg)
{
  struct tm tm;
  time_t now = time (NULL);

  gmtime_r (&now, &tm);
  switch (reg)
    {
    case CMOS_SECONDS:
      return bcd (tm.tm_sec);
    case CMOS_MINUTES:
      return bcd (tm.tm_min);
    case CMOS_HOURS:
      return bcd (tm.tm_hour);
    case CMOS_WEEKDAY:
      return bcd (tm.tm_wday + 1);
    case CMOS_DAY:
      return bcd (tm.tm_mday);
    case CMOS_MONTH:
      return bcd (tm.tm_mon + 1);
    case CMOS_YEAR:
      return bcd (tm.tm_year % 100);
    case CMOS_CENTURY:
      return bcd ((tm.tm_year + 1900) / 100);
    case CMOS_REG_A:
      return REG_A_DIVIDER;
    case CMOS_REG_B:
      return REG_B_24H;
    case CMOS_REG_C:
      return 0;
    case CMOS_REG_D:
      return REG_D_VRT;
    default:
      return rtc->cmos[reg];
    }
}

static void
rtc_pio (void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool write)
{
  struct sie_rtc *rtc = opaque;

  pthread_mutex_lock (&rtc->lock);
  if (offset == 0)
    {
      /* Bit 7 of the index port masks NMIs; only the index matters here. */
      if (write)
        rtc->index = data[0] & 0x7f;
      else
        data[0] = 0xff;
    }
  else if (write)
    {
      /* The clock itself is the host's; only plain CMOS bytes are kept. */
      if (rtc->index > CMOS_REG_D && rtc->index != CMOS_CENTURY)
        rtc->cmos[rtc->index] = data[0];
    }
  else
    data[0] = read_cmos (rtc, rtc->index);
  if (!write && len > 1)
    memset (data + 1, 0, len - 1);
  pthread_mutex_unlock (&rtc->lock);
}

struct sie_rtc *
sie_rtc_attach (struct sie_bus *pio, sie_error_t *err)
{
  struct sie_rtc *rtc = calloc (1, sizeof (*rtc));

  if (rtc == NULL)
    {
      sie_error (err, errno, "allocate the RTC");
      return NULL;
    }
  pthread_mutex_init (&rtc->lock, NULL);
  if (sie_bus_add (pio, SIE_PORT_RTC, 2, rtc_pio, rtc, err) < 0)
    {
      sie_rtc_free (rtc);
      return NULL;
    }
  return rtc;
}

void
sie_rtc_free (struct sie_rtc *rtc)
{
  if (rtc == NULL)
    return;
  pthread_mutex_destroy (&rtc->lock);
  free (rtc);
}
