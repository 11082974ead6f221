/* The micro-VM network bridge, Kata's "tc filter" model.
 *
 * For each ethernet interface of the container's network namespace, a
 * tap is created beside it, and two u32 filters on ingress qdiscs hand
 * every frame across unchanged: what arrives on the interface leaves by
 * the tap (to the VMM reading it), and what the VMM writes into the tap
 * leaves by the interface.  The namespace's own stack no longer sees the
 * interface's traffic; the guest takes over its identity, from the
 * description returned here (MAC, MTU, addresses, routes). */
#ifndef SIE_NETNS_TCBRIDGE_H
#define SIE_NETNS_TCBRIDGE_H

#include "netns/netns.h"

/* The tap names: the kernel picks the number. */
#define SIE_TCBRIDGE_TAP_TEMPLATE "tap%d_sie"

struct sie_guest_nic
{
  /* The interface, as the guest should present it. */
  char name[IFNAMSIZ];
  int index;
  unsigned char mac[SIE_HWADDR_MAX];
  size_t mac_len;
  unsigned int mtu;
  struct sie_addr *addrs;   /* without IPv6 link-local ones: the guest makes its own */
  size_t n_addrs;
  struct sie_route *routes; /* main table, through this interface, not kernel-made */
  size_t n_routes;

  /* Its tap. */
  char tap[IFNAMSIZ];
  int tap_index;
  int tap_fd; /* the tap's fd for the VMM; -1 when the tap is persistent */

  /* What teardown undoes. */
  bool set_up;      /* sie brought the interface up */
  bool has_ingress; /* sie added the interface's ingress qdisc */
};

struct sie_tcbridge
{
  struct sie_guest_nic *nics;
  size_t n;
};

/* Bridges every ethernet interface of the namespace of netns_fd (-1: the
 * current one) that is not a tun/tap.  persistent_taps: the taps outlive
 * their fds (the VMM opens them by name with sie_tap_attach); otherwise
 * each nic's tap_fd holds its tap.  On failure, everything created so far
 * is removed and *out is empty.  An interface that already has an ingress
 * qdisc is an error: its filters are someone else's. */
int sie_tcbridge_setup (int netns_fd, bool persistent_taps, struct sie_tcbridge *out,
                        sie_error_t *err);

/* Removes the taps and the interfaces' ingress qdiscs (with their
 * filters), sets down what setup brought up, closes the fds and frees *b.
 * Goes on past failures and reports the first. */
int sie_tcbridge_teardown (int netns_fd, struct sie_tcbridge *b, sie_error_t *err);

/* Frees *b and closes the fds it still holds, leaving the kernel state. */
void sie_tcbridge_free (struct sie_tcbridge *b);

#endif
