/* Network namespace plumbing over rtnetlink, through libmnl.  No `ip`. */
#ifndef SIE_NETNS_H
#define SIE_NETNS_H

#include "util/error.h"

/* Brings the loopback interface of the calling thread's netns up. */
int sie_netns_lo_up (sie_error_t *err);

#endif
