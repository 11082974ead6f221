/* The CMOS real-time clock at ports 0x70/0x71, enough for a kernel that
 * reads the time at boot: the registers hold the host's UTC time in BCD,
 * and the update-in-progress bit is never set (a kernel polls it, and an
 * absent RTC reading all ones would keep it polling). */
#ifndef SIE_VMM_RTC_H
#define SIE_VMM_RTC_H

#include "util/error.h"
#include "vmshim/vmm/bus.h"

struct sie_rtc;

struct sie_rtc *sie_rtc_attach (struct sie_bus *pio, sie_error_t *err);
void sie_rtc_free (struct sie_rtc *rtc);

#endif
