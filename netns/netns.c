/* The container's loopback: up in every new network namespace. */
#include "netns/netns.h"

#include <errno.h>

int
sie_netns_lo_up (sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  unsigned int index = if_nametoindex ("lo");

  if (index == 0)
    return sie_error (err, errno, "no loopback interface in this network namespace");
  /* The caller names the step: errors here are "open ...", "set link up". */
  if (sie_nl_open (&nl, err) < 0)
    return -1;
  return sie_link_set_up (&nl, (int) index, true, err);
}
