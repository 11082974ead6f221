/* Network namespace plumbing over rtnetlink, through libmnl.  No `ip`.
 *
 * Every operation takes a struct sie_nl (netns/nl.h): the socket decides
 * the namespace.  Links are named by ifindex once found, since a name can
 * change under a rename while the index stays. */
#ifndef SIE_NETNS_H
#define SIE_NETNS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netns/nl.h"
#include "util/error.h"

#define SIE_HWADDR_MAX 32 /* MAX_ADDR_LEN */

struct sie_link
{
  int index;
  char name[IFNAMSIZ];
  unsigned int flags; /* IFF_* */
  unsigned short type; /* ARPHRD_* */
  unsigned int mtu;
  unsigned char mac[SIE_HWADDR_MAX];
  size_t mac_len;
  int master; /* ifindex of the bridge/bond it is a port of, 0: none */
  int link;   /* IFLA_LINK: the lower device or veth peer, 0: none */
  char kind[16]; /* IFLA_INFO_KIND: "veth", "tun", ...; "" for a physical device */
};

struct sie_addr
{
  int index;
  unsigned char family; /* AF_INET or AF_INET6 */
  unsigned char prefixlen;
  unsigned char scope;  /* RT_SCOPE_* */
  unsigned int flags;   /* IFA_F_* */
  unsigned char addr[16]; /* the interface's own address */
  unsigned char peer[16]; /* point-to-point peer, when has_peer */
  unsigned char broadcast[4];
  bool has_peer;
  bool has_broadcast;
};

struct sie_route
{
  unsigned char family;
  unsigned char dst_len;
  unsigned char protocol; /* RTPROT_*; 0 means RTPROT_BOOT when adding */
  unsigned char scope;    /* RT_SCOPE_* */
  unsigned char type;     /* RTN_*; 0 means RTN_UNICAST when adding */
  uint32_t table;         /* 0 means RT_TABLE_MAIN when adding */
  int oif;
  uint32_t priority;
  unsigned char dst[16];
  unsigned char gateway[16];
  unsigned char prefsrc[16];
  bool has_dst, has_gateway, has_prefsrc, has_priority;
};

/* ---- links (netns/link.c) ---- */

/* *links is malloc'ed (free it); a dump interrupted by concurrent changes
 * is taken again. */
int sie_link_list (struct sie_nl *nl, struct sie_link **links, size_t *n, sie_error_t *err);

/* A missing link is an error whose status is ENODEV. */
int sie_link_get (struct sie_nl *nl, const char *name, struct sie_link *out, sie_error_t *err);
int sie_link_get_index (struct sie_nl *nl, int index, struct sie_link *out, sie_error_t *err);

int sie_link_set_up (struct sie_nl *nl, int index, bool up, sie_error_t *err);
int sie_link_rename (struct sie_nl *nl, int index, const char *name, sie_error_t *err);
int sie_link_set_mtu (struct sie_nl *nl, int index, unsigned int mtu, sie_error_t *err);
int sie_link_set_mac (struct sie_nl *nl, int index, const unsigned char *mac, size_t len,
                      sie_error_t *err);

/* Moves the link into the namespace of netns_fd (or of pid), renaming it
 * there to new_name when not NULL, in one request: no moment exists where
 * the old name could clash in the target.  The kernel drops its addresses
 * and routes, and leaves it down. */
int sie_link_move (struct sie_nl *nl, int index, int netns_fd, const char *new_name,
                   sie_error_t *err);
int sie_link_move_pid (struct sie_nl *nl, int index, pid_t pid, const char *new_name,
                       sie_error_t *err);

int sie_link_delete (struct sie_nl *nl, int index, sie_error_t *err);

/* A veth pair; peer_netns_fd >= 0 creates the peer end in that namespace. */
int sie_veth_create (struct sie_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                     sie_error_t *err);

/* "aa:bb:cc:dd:ee:ff" into buf (3 * len bytes at least). */
void sie_mac_format (const unsigned char *mac, size_t len, char *buf, size_t size);
/* Returns the number of bytes parsed into mac, -1 on bad text. */
int sie_mac_parse (const char *text, unsigned char *mac, size_t size);

/* ---- addresses (netns/addr.c) ---- */

/* index 0: every link; family AF_UNSPEC: both families. */
int sie_addr_list (struct sie_nl *nl, int index, int family, struct sie_addr **addrs, size_t *n,
                   sie_error_t *err);
int sie_addr_add (struct sie_nl *nl, const struct sie_addr *a, sie_error_t *err);
int sie_addr_del (struct sie_nl *nl, const struct sie_addr *a, sie_error_t *err);

/* "10.0.0.2/24", "fd00::2/64" (no prefix: a host address) into family,
 * addr and prefixlen; everything else zero.  -1 on bad text. */
int sie_addr_from_text (const char *text, struct sie_addr *a);
/* addr/prefixlen into buf (INET6_ADDRSTRLEN + 4 bytes is enough). */
void sie_addr_format (const struct sie_addr *a, char *buf, size_t size);

/* ---- announcing a moved namespace (netns/announce.c) ---- */

/* Gratuitous ARPs for every IPv4 address on every Ethernet link that is up
 * in netns_fd, in a few rounds: bridges and neighbours learn where the
 * addresses are now.  Returns how many were sent a round. */
int sie_netns_announce (int netns_fd, sie_error_t *err);

/* ---- routes (netns/route.c) ---- */

/* family AF_UNSPEC: both.  Every table, as the kernel has them. */
int sie_route_list (struct sie_nl *nl, int family, struct sie_route **routes, size_t *n,
                    sie_error_t *err);
int sie_route_add (struct sie_nl *nl, const struct sie_route *r, sie_error_t *err);
int sie_route_del (struct sie_nl *nl, const struct sie_route *r, sie_error_t *err);

/* ---- tap devices (netns/tap.c) ---- */

/* Creates a tap (IFF_TAP | IFF_NO_PI) in the namespace of netns_fd (-1:
 * the current one).  name may hold a "%d" template; the kernel's choice is
 * copied to actual (IFNAMSIZ bytes) when not NULL.
 * With fd_out, the tap lives as long as the returned fd (what a VMM
 * wants: it gets the fd); without, it is made persistent and the fd is
 * closed, and whoever needs it opens it by name with sie_tap_attach. */
int sie_tap_create (int netns_fd, const char *name, int *fd_out, char *actual, sie_error_t *err);

/* Attaches to an existing persistent tap; returns its fd. */
int sie_tap_attach (int netns_fd, const char *name, sie_error_t *err);

/* ---- traffic control (netns/tc.c) ---- */

/* The priority of the redirect filters sie adds. */
#define SIE_TC_PRIO 1

/* The ingress qdisc (ffff:) of a link; adding one where one exists is an
 * error (EEXIST).  Deleting it deletes its filters. */
int sie_tc_ingress_add (struct sie_nl *nl, int ifindex, sie_error_t *err);
int sie_tc_ingress_del (struct sie_nl *nl, int ifindex, sie_error_t *err);

/* On the ingress of from (which needs the ingress qdisc): every frame is
 * redirected, unchanged, to the egress of to. */
int sie_tc_redirect_add (struct sie_nl *nl, int from, int to, sie_error_t *err);

/* ---- the container's loopback (netns/netns.c) ---- */

/* Brings the loopback interface of the calling thread's netns up. */
int sie_netns_lo_up (sie_error_t *err);

#endif
