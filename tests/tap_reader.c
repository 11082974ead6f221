/* Test program for netns/, linked with sie's netns/ and util/ objects.
 *
 *   tap_reader dump NETNS
 *     Prints the links, addresses and routes of the namespace as sie's
 *     netlink code reads them, one per line, for comparison with `ip -j`.
 *
 *   tap_reader bridge NETNS [--persistent] [--guest GUEST_NETNS --log FILE]
 *                    [--seconds N]
 *     Sets up the tc bridge in NETNS and prints the description of each
 *     interface ("nic", "addr", "route" lines), then "ready".  With --guest
 *     it plays the VMM: it creates the tap gt0 in GUEST_NETNS (the guest's
 *     NIC, configured by the test from the description) and copies frames
 *     both ways between it and the first interface's bridge tap, logging
 *     each to FILE ("rx": read off the bridge tap, "tx": written into it).
 *     It stops after N seconds (default 60) or on SIGTERM, tears the
 *     bridge down and prints "teardown ok".  A failed setup prints the
 *     error on stderr and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include "netns/netns.h"
#include "netns/tcbridge.h"

static volatile sig_atomic_t stop;

static void
on_signal (int sig)
{
  stop = sig;
}

static int
die (sie_error_t *err)
{
  fprintf (stderr, "tap_reader: %s\n", (*err)->msg);
  sie_error_release (err);
  return 1;
}

static const char *
name_of (const struct sie_link *links, size_t n, int index)
{
  for (size_t i = 0; i < n; i++)
    if (links[i].index == index)
      return links[i].name;
  return "-";
}

static void
print_route (const char *dev, const struct sie_route *r)
{
  char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];

  if (r->has_dst)
    inet_ntop (r->family, r->dst, dst, sizeof dst);
  if (r->has_gateway)
    inet_ntop (r->family, r->gateway, gw, sizeof gw);
  if (r->has_dst)
    printf (" %s/%u", dst, r->dst_len);
  else
    printf (" default");
  printf (" %s %s", r->has_gateway ? gw : "-", dev);
}

static int
dump (int netns_fd)
{
  cleanup_nl struct sie_nl nl = { 0 };
  sie_error_t err = NULL;
  struct sie_link *links = NULL;
  struct sie_addr *addrs = NULL;
  struct sie_route *routes = NULL;
  size_t nl_n = 0, na = 0, nr = 0;
  char text[64];

  if (sie_nl_open_in (&nl, netns_fd, &err) < 0 || sie_link_list (&nl, &links, &nl_n, &err) < 0
      || sie_addr_list (&nl, 0, AF_UNSPEC, &addrs, &na, &err) < 0
      || sie_route_list (&nl, AF_UNSPEC, &routes, &nr, &err) < 0)
    return die (&err);
  for (size_t i = 0; i < nl_n; i++)
    {
      sie_mac_format (links[i].mac, links[i].mac_len, text, sizeof text);
      printf ("link %s mtu %u mac %s %s master %s kind %s\n", links[i].name, links[i].mtu,
              links[i].mac_len ? text : "-", links[i].flags & IFF_UP ? "up" : "down",
              links[i].master ? name_of (links, nl_n, links[i].master) : "-",
              links[i].kind[0] ? links[i].kind : "-");
    }
  for (size_t i = 0; i < na; i++)
    {
      sie_addr_format (&addrs[i], text, sizeof text);
      printf ("addr %s %s\n", name_of (links, nl_n, addrs[i].index), text);
    }
  for (size_t i = 0; i < nr; i++)
    {
      /* The local table is the kernel's business; main is what `ip route` shows. */
      if (routes[i].table != RT_TABLE_MAIN)
        continue;
      printf ("route");
      print_route (name_of (links, nl_n, routes[i].oif), &routes[i]);
      printf ("\n");
    }
  free (links);
  free (addrs);
  free (routes);
  return 0;
}

static void
describe (const struct sie_tcbridge *b)
{
  char text[64];

  for (size_t i = 0; i < b->n; i++)
    {
      const struct sie_guest_nic *nic = &b->nics[i];

      sie_mac_format (nic->mac, nic->mac_len, text, sizeof text);
      printf ("nic %s mac %s mtu %u tap %s fd %s\n", nic->name, text, nic->mtu, nic->tap,
              nic->tap_fd >= 0 ? "held" : "persistent");
      for (size_t j = 0; j < nic->n_addrs; j++)
        {
          sie_addr_format (&nic->addrs[j], text, sizeof text);
          printf ("addr %s %s\n", nic->name, text);
        }
      for (size_t j = 0; j < nic->n_routes; j++)
        {
          printf ("route %s", nic->name);
          print_route ("", &nic->routes[j]);
          printf ("\n");
        }
    }
}

static void
log_frame (FILE *log, const char *dir, const unsigned char *f, ssize_t len)
{
  char dst[20], src[20];
  unsigned int type;

  if (len < ETH_HLEN)
    return;
  sie_mac_format (f, 6, dst, sizeof dst);
  sie_mac_format (f + 6, 6, src, sizeof src);
  type = (unsigned int) (f[12] << 8 | f[13]);
  fprintf (log, "%s len %zd dst %s src %s type 0x%04x", dir, len, dst, src, type);
  if (type == ETH_P_IP && len >= ETH_HLEN + (ssize_t) sizeof (struct iphdr))
    {
      const struct iphdr *ip = (const void *) (f + ETH_HLEN);
      const unsigned char *l4 = f + ETH_HLEN + ip->ihl * 4;
      char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

      inet_ntop (AF_INET, &ip->saddr, s, sizeof s);
      inet_ntop (AF_INET, &ip->daddr, d, sizeof d);
      fprintf (log, " ip %s > %s", s, d);
      if (ip->protocol == IPPROTO_ICMP && l4 + 1 <= f + len)
        fprintf (log, " icmp %s", l4[0] == ICMP_ECHO ? "echo-request"
                                  : l4[0] == ICMP_ECHOREPLY ? "echo-reply" : "other");
      else if (ip->protocol == IPPROTO_TCP && l4 + 4 <= f + len)
        fprintf (log, " tcp %u > %u", l4[0] << 8 | l4[1], l4[2] << 8 | l4[3]);
    }
  fputc ('\n', log);
  fflush (log);
}

static int
copy_frame (int from, int to, FILE *log, const char *dir)
{
  unsigned char frame[65536];
  ssize_t n = read (from, frame, sizeof frame);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  log_frame (log, dir, frame, n);
  /* A full queue, or a tap that is down (EIO), drops the frame, as a
   * wire would. */
  if (write (to, frame, (size_t) n) < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EIO)
    return -1;
  return 0;
}

/* The VMM's loop: bridge tap <-> the guest's tap, until stopped. */
static int
relay (int bridge_fd, int guest_fd, FILE *log, int seconds)
{
  time_t end = time (NULL) + seconds;

  while (!stop && time (NULL) < end)
    {
      struct pollfd p[2] = { { bridge_fd, POLLIN, 0 }, { guest_fd, POLLIN, 0 } };
      int r = poll (p, 2, 200);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if ((p[0].revents & POLLIN) && copy_frame (bridge_fd, guest_fd, log, "rx") < 0)
        return -1;
      if ((p[1].revents & POLLIN) && copy_frame (guest_fd, bridge_fd, log, "tx") < 0)
        return -1;
    }
  return 0;
}

static int
open_ns (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      fprintf (stderr, "tap_reader: open %s: %s\n", path, strerror (errno));
      exit (2);
    }
  return fd;
}

static int
bridge (int argc, char **argv)
{
  struct sie_tcbridge b;
  sie_error_t err = NULL;
  int netns_fd = open_ns (argv[2]), guest_ns = -1, guest_fd = -1, seconds = 60, ret = 0;
  bool persistent = false;
  const char *log_path = NULL;
  FILE *log = NULL;

  for (int i = 3; i < argc; i++)
    {
      if (strcmp (argv[i], "--persistent") == 0)
        persistent = true;
      else if (strcmp (argv[i], "--guest") == 0 && i + 1 < argc)
        guest_ns = open_ns (argv[++i]);
      else if (strcmp (argv[i], "--log") == 0 && i + 1 < argc)
        log_path = argv[++i];
      else if (strcmp (argv[i], "--seconds") == 0 && i + 1 < argc)
        seconds = atoi (argv[++i]);
      else
        {
          fprintf (stderr, "tap_reader: unknown option %s\n", argv[i]);
          return 2;
        }
    }
  if (sie_tcbridge_setup (netns_fd, persistent, &b, &err) < 0)
    return die (&err);
  describe (&b);
  if (guest_ns >= 0)
    {
      if (b.n == 0 || b.nics[0].tap_fd < 0 || log_path == NULL)
        {
          fprintf (stderr, "tap_reader: --guest needs an interface, a held tap and --log\n");
          ret = 2;
        }
      else if (sie_tap_create (guest_ns, "gt0", &guest_fd, NULL, &err) < 0)
        ret = die (&err);
      else if ((log = fopen (log_path, "a")) == NULL)
        ret = 2;
    }
  if (ret == 0)
    {
      printf ("ready\n");
      fflush (stdout);
      if (guest_fd >= 0 && relay (b.nics[0].tap_fd, guest_fd, log, seconds) < 0)
        {
          perror ("tap_reader: relay");
          ret = 1;
        }
      else if (guest_fd < 0)
        for (int i = 0; i < seconds * 10 && !stop; i++)
          usleep (100000);
    }
  if (sie_tcbridge_teardown (netns_fd, &b, &err) < 0)
    ret = die (&err);
  else
    printf ("teardown ok\n");
  if (log)
    fclose (log);
  if (guest_fd >= 0)
    close (guest_fd);
  return ret;
}

int
main (int argc, char **argv)
{
  struct sigaction sa = { .sa_handler = on_signal };

  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp (argv[1], "dump") == 0)
    return dump (open_ns (argv[2]));
  if (argc >= 3 && strcmp (argv[1], "bridge") == 0)
    return bridge (argc, argv);
  fprintf (stderr, "usage: tap_reader dump NETNS | bridge NETNS [options]\n");
  return 2;
}
