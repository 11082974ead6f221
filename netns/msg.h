/* The pure half of netns/: building rtnetlink requests into a buffer and
 * parsing the kernel's answers, with no socket involved, so the unit tests
 * can hold them against expected bytes and attributes.  Every builder
 * writes into buf (SIE_NL_BUF bytes, zeroed by it) and returns the message;
 * the sequence number is left 0 for sie_nl_request/sie_nl_dump to set. */
#ifndef SIE_NETNS_MSG_H
#define SIE_NETNS_MSG_H

#include <linux/netlink.h>

#include "netns/netns.h"

/* One RTM_NEWLINK on an existing link: only the fields set change. */
struct sie_link_change
{
  int index;
  unsigned int flags_mask; /* ifi_change: which IFF_* bits to set ... */
  unsigned int flags;      /* ... to these values */
  const char *name;        /* IFLA_IFNAME: rename (or the name in the target netns) */
  unsigned int mtu;        /* IFLA_MTU, 0: unchanged */
  const unsigned char *mac; /* IFLA_ADDRESS, NULL: unchanged */
  size_t mac_len;
  int netns_fd;            /* IFLA_NET_NS_FD, -1: stay */
  pid_t netns_pid;         /* IFLA_NET_NS_PID, 0: stay */
};

#define SIE_LINK_CHANGE_INIT(idx) { .index = (idx), .netns_fd = -1 }

struct nlmsghdr *sie_link_build_change (void *buf, const struct sie_link_change *c);
struct nlmsghdr *sie_link_build_delete (void *buf, int index);
struct nlmsghdr *sie_link_build_dump (void *buf);
struct nlmsghdr *sie_veth_build (void *buf, const char *name, const char *peer, int peer_netns_fd);

/* RTM_NEWADDR (with NLM_F_CREATE | NLM_F_EXCL) or RTM_DELADDR. */
struct nlmsghdr *sie_addr_build (void *buf, uint16_t type, const struct sie_addr *a);
struct nlmsghdr *sie_addr_build_dump (void *buf, int family);

/* RTM_NEWROUTE (with NLM_F_CREATE | NLM_F_EXCL) or RTM_DELROUTE. */
struct nlmsghdr *sie_route_build (void *buf, uint16_t type, const struct sie_route *r);
struct nlmsghdr *sie_route_build_dump (void *buf, int family);

/* The ingress qdisc (handle ffff:) of a link: RTM_NEWQDISC or RTM_DELQDISC. */
struct nlmsghdr *sie_tc_build_ingress (void *buf, uint16_t type, int ifindex);

/* On from's ingress: a u32 filter matching every frame of every protocol,
 * whose mirred action redirects it to the egress of to, unchanged. */
struct nlmsghdr *sie_tc_build_redirect (void *buf, int from, int to, uint16_t prio);

/* 0 on success, -1 if nlh is not a well-formed answer of that kind. */
int sie_link_parse (const struct nlmsghdr *nlh, struct sie_link *out);
int sie_addr_parse (const struct nlmsghdr *nlh, struct sie_addr *out);
int sie_route_parse (const struct nlmsghdr *nlh, struct sie_route *out);

#endif
