/* rtnetlink through libmnl: bringing loopback up in a new netns. */
#include "netns/netns.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

static void
mnl_socket_closep (struct mnl_socket **nl)
{
  if (*nl)
    mnl_socket_close (*nl);
}
#define cleanup_mnl __attribute__ ((cleanup (mnl_socket_closep)))

/* Sends one request and waits for its ACK (or the kernel's error). */
static int
netlink_request (struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what, sie_error_t *err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  unsigned int portid = mnl_socket_get_portid (nl);
  unsigned int seq = nlh->nlmsg_seq;
  ssize_t len;

  if (mnl_socket_sendto (nl, nlh, nlh->nlmsg_len) < 0)
    return sie_error (err, errno, "%s: netlink send", what);
  len = mnl_socket_recvfrom (nl, buf, sizeof (buf));
  if (len < 0)
    return sie_error (err, errno, "%s: netlink receive", what);
  /* mnl_cb_run turns an NLMSG_ERROR carrying an errno into -1/errno and
     the ACK (error 0) into MNL_CB_STOP */
  if (mnl_cb_run (buf, len, seq, portid, NULL, NULL) < 0)
    return sie_error (err, errno, "%s", what);
  return 0;
}

int
sie_netns_lo_up (sie_error_t *err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];
  cleanup_mnl struct mnl_socket *nl = NULL;
  struct nlmsghdr *nlh;
  struct ifinfomsg *ifi;
  unsigned int index = if_nametoindex ("lo");

  if (index == 0)
    return sie_error (err, errno, "bring up lo: no loopback interface in this network namespace");
  nl = mnl_socket_open (NETLINK_ROUTE);
  if (nl == NULL)
    return sie_error (err, errno, "bring up lo: open rtnetlink socket");
  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return sie_error (err, errno, "bring up lo: bind rtnetlink socket");

  memset (buf, 0, sizeof (buf));
  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = (unsigned int) time (NULL);
  ifi = mnl_nlmsg_put_extra_header (nlh, sizeof (*ifi));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = (int) index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return netlink_request (nl, nlh, "bring up lo", err);
}
