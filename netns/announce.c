/* After a container's network namespace comes back on another host, the
 * switches between it and its peers still send its frames to the old
 * port.  As QEMU does after a migration, announce it: a gratuitous ARP
 * for each IPv4 address on each Ethernet link, a few times, so every
 * bridge on the way learns the new port and every neighbour refreshes its
 * cache before its next packet goes astray. */
#include "netns/netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

#define ANNOUNCE_ROUNDS 3
#define ANNOUNCE_GAP_MS 50

struct arp_ipv4
{
  struct arphdr h;
  unsigned char sha[ETH_ALEN];
  unsigned char spa[4];
  unsigned char tha[ETH_ALEN];
  unsigned char tpa[4];
} __attribute__ ((packed));

static int
packet_socket_in (int netns_fd, sie_error_t *err)
{
  int saved, fd, e;

  if (sie_netns_enter (netns_fd, &saved, err) < 0)
    return -1;
  fd = socket (AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons (ETH_P_ARP));
  e = errno;
  if (sie_netns_leave (saved, err) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd < 0 ? sie_error (err, e, "announce: packet socket") : fd;
}

/* A gratuitous ARP request (sender and target both the address), which
 * every Linux neighbour takes as an update. */
static int
send_garp (int fd, const struct sie_link *l, const struct sie_addr *a, sie_error_t *err)
{
  struct arp_ipv4 p = { .h = { .ar_hrd = htons (ARPHRD_ETHER), .ar_pro = htons (ETH_P_IP),
                               .ar_hln = ETH_ALEN, .ar_pln = 4, .ar_op = htons (ARPOP_REQUEST) } };
  struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons (ETH_P_ARP),
                            .sll_ifindex = l->index, .sll_halen = ETH_ALEN };

  memcpy (p.sha, l->mac, ETH_ALEN);
  memcpy (p.spa, a->addr, 4);
  memcpy (p.tpa, a->addr, 4);
  memset (to.sll_addr, 0xff, ETH_ALEN);
  if (sendto (fd, &p, sizeof p, 0, (struct sockaddr *) &to, sizeof to) < 0)
    return sie_error (err, errno, "announce on %s", l->name);
  return 0;
}

static bool
announceable (const struct sie_link *l)
{
  return l->type == ARPHRD_ETHER && (l->flags & IFF_UP) && l->mac_len == ETH_ALEN;
}

/* One round over every link; returns how many were sent. */
static int
announce_round (int fd, const struct sie_link *links, size_t n_links, const struct sie_addr *addrs,
                size_t n_addrs, sie_error_t *err)
{
  int sent = 0;

  for (size_t i = 0; i < n_links; i++)
    for (size_t j = 0; j < n_addrs && announceable (&links[i]); j++)
      if (addrs[j].index == links[i].index && addrs[j].family == AF_INET)
        {
          if (send_garp (fd, &links[i], &addrs[j], err) < 0)
            return -1;
          sent++;
        }
  return sent;
}

int
sie_netns_announce (int netns_fd, sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  cleanup_free struct sie_link *links = NULL;
  cleanup_free struct sie_addr *addrs = NULL;
  cleanup_close int fd = -1;
  size_t n_links, n_addrs;
  int sent = 0;

  if (sie_nl_open_in (&nl, netns_fd, err) < 0 || sie_link_list (&nl, &links, &n_links, err) < 0
      || sie_addr_list (&nl, 0, AF_INET, &addrs, &n_addrs, err) < 0)
    return -1;
  fd = packet_socket_in (netns_fd, err);
  if (fd < 0)
    return -1;
  for (int round = 0; round < ANNOUNCE_ROUNDS; round++)
    {
      struct timespec gap = { 0, ANNOUNCE_GAP_MS * 1000000L };

      if (round > 0)
        nanosleep (&gap, NULL);
      sent = announce_round (fd, links, n_links, addrs, n_addrs, err);
      if (sent < 0)
        return -1;
    }
  return sent;
}
