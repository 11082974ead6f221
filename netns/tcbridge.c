/* The tc-filter bridge between each container interface and a tap. */
#include "netns/tcbridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_arp.h>
#include <linux/rtnetlink.h>

#include "util/cleanup.h"

/* The whole namespace, read once. */
struct snapshot
{
  struct sie_link *links;
  size_t n_links;
  struct sie_addr *addrs;
  size_t n_addrs;
  struct sie_route *routes;
  size_t n_routes;
};

static void
snapshot_free (struct snapshot *s)
{
  free (s->links);
  free (s->addrs);
  free (s->routes);
}

static int
snapshot_take (struct sie_nl *nl, struct snapshot *s, sie_error_t *err)
{
  if (sie_link_list (nl, &s->links, &s->n_links, err) < 0
      || sie_addr_list (nl, 0, AF_UNSPEC, &s->addrs, &s->n_addrs, err) < 0
      || sie_route_list (nl, AF_UNSPEC, &s->routes, &s->n_routes, err) < 0)
    return -1;
  return 0;
}

static bool
bridgeable (const struct sie_link *l)
{
  return l->type == ARPHRD_ETHER && !(l->flags & IFF_LOOPBACK) && strcmp (l->kind, "tun") != 0;
}

static bool
guest_addr (const struct sie_addr *a, int index)
{
  return a->index == index && !(a->family == AF_INET6 && a->scope == RT_SCOPE_LINK);
}

/* The routes a guest must add itself: those the kernel makes from an
 * address (prefix routes, fe80::/64) come back by themselves. */
static bool
guest_route (const struct sie_route *r, int index)
{
  return r->oif == index && r->table == RT_TABLE_MAIN && r->type == RTN_UNICAST
         && r->protocol != RTPROT_KERNEL;
}

static int
copy_matching (const void *all, size_t n, size_t size, bool (*keep) (const void *, int),
               int index, void **out, size_t *n_out)
{
  size_t cap = 0;

  *out = NULL;
  *n_out = 0;
  for (size_t i = 0; i < n; i++)
    {
      const void *item = (const char *) all + i * size;

      if (keep (item, index) && sie_nl_append (out, n_out, &cap, item, size) < 0)
        return -1;
    }
  return 0;
}

static bool
keep_addr (const void *a, int index)
{
  return guest_addr (a, index);
}

static bool
keep_route (const void *r, int index)
{
  return guest_route (r, index);
}

static int
describe (struct sie_guest_nic *nic, const struct sie_link *l, const struct snapshot *s,
          sie_error_t *err)
{
  memcpy (nic->name, l->name, IFNAMSIZ);
  nic->index = l->index;
  memcpy (nic->mac, l->mac, l->mac_len);
  nic->mac_len = l->mac_len;
  nic->mtu = l->mtu;
  if (copy_matching (s->addrs, s->n_addrs, sizeof *s->addrs, keep_addr, l->index,
                     (void **) &nic->addrs, &nic->n_addrs) < 0
      || copy_matching (s->routes, s->n_routes, sizeof *s->routes, keep_route, l->index,
                        (void **) &nic->routes, &nic->n_routes) < 0)
    return sie_error (err, errno, "%s: describe the interface", l->name);
  return 0;
}

/* The tap, and the filters both ways.  Each step is recorded in nic
 * before the next, for teardown. */
static int
bridge_one (struct sie_nl *nl, int netns_fd, bool persistent, struct sie_guest_nic *nic,
            unsigned int flags, sie_error_t *err)
{
  struct sie_link tap;

  if (sie_tap_create (netns_fd, SIE_TCBRIDGE_TAP_TEMPLATE, persistent ? NULL : &nic->tap_fd,
                      nic->tap, err) < 0)
    return -1;
  if (sie_link_get (nl, nic->tap, &tap, err) < 0)
    return -1;
  nic->tap_index = tap.index;
  if (sie_link_set_mtu (nl, nic->tap_index, nic->mtu, err) < 0
      || sie_link_set_up (nl, nic->tap_index, true, err) < 0)
    return sie_error_prefix (err, "tap %s", nic->tap);
  if (!(flags & IFF_UP))
    {
      if (sie_link_set_up (nl, nic->index, true, err) < 0)
        return -1;
      nic->set_up = true;
    }
  if (sie_tc_ingress_add (nl, nic->index, err) < 0)
    {
      if ((*err)->status == EEXIST)
        return sie_error_prefix (err, "it has an ingress qdisc already, with someone else's "
                                      "filters");
      return -1;
    }
  nic->has_ingress = true;
  if (sie_tc_ingress_add (nl, nic->tap_index, err) < 0
      || sie_tc_redirect_add (nl, nic->index, nic->tap_index, err) < 0
      || sie_tc_redirect_add (nl, nic->tap_index, nic->index, err) < 0)
    return sie_error_prefix (err, "tap %s", nic->tap);
  return 0;
}

int
sie_tcbridge_setup (int netns_fd, bool persistent_taps, struct sie_tcbridge *out,
                    sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  struct snapshot s = { 0 };
  int ret = -1;

  memset (out, 0, sizeof *out);
  if (sie_nl_open_in (&nl, netns_fd, err) < 0)
    return -1;
  if (snapshot_take (&nl, &s, err) < 0)
    goto out;
  out->nics = calloc (s.n_links ? s.n_links : 1, sizeof *out->nics);
  if (out->nics == NULL)
    {
      sie_error (err, errno, "tc bridge");
      goto out;
    }
  ret = 0;
  for (size_t i = 0; i < s.n_links && ret == 0; i++)
    {
      const struct sie_link *l = &s.links[i];
      struct sie_guest_nic *nic;

      if (!bridgeable (l))
        continue;
      nic = &out->nics[out->n++];
      nic->tap_fd = -1;
      if (describe (nic, l, &s, err) < 0
          || bridge_one (&nl, netns_fd, persistent_taps, nic, l->flags, err) < 0)
        ret = sie_error_prefix (err, "tc bridge for %s", l->name);
    }
  if (ret < 0)
    sie_tcbridge_teardown (netns_fd, out, NULL);
out:
  snapshot_free (&s);
  return ret;
}

/* Remembers the first failure, goes on. */
static void
note (int r, sie_error_t *first, sie_error_t *e)
{
  if (r < 0 && *first == NULL)
    *first = *e;
  else if (r < 0)
    sie_error_release (e);
  *e = NULL;
}

/* Gone already (the tap went with its fd, the interface with its
 * namespace) is what teardown wants. */
static int
gone_is_fine (int r, sie_error_t *e)
{
  if (r < 0 && ((*e)->status == ENODEV || (*e)->status == ENOENT || (*e)->status == EINVAL))
    {
      sie_error_release (e);
      return 0;
    }
  return r;
}

static void
undo_one (struct sie_nl *nl, struct sie_guest_nic *nic, sie_error_t *first)
{
  sie_error_t e = NULL;

  if (nic->has_ingress)
    note (gone_is_fine (sie_tc_ingress_del (nl, nic->index, &e), &e), first, &e);
  if (nic->tap_index)
    note (gone_is_fine (sie_link_delete (nl, nic->tap_index, &e), &e), first, &e);
  if (nic->set_up)
    note (sie_link_set_up (nl, nic->index, false, &e), first, &e);
  nic->has_ingress = nic->set_up = false;
  nic->tap_index = 0;
}

int
sie_tcbridge_teardown (int netns_fd, struct sie_tcbridge *b, sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  sie_error_t first = NULL, e = NULL;

  if (sie_nl_open_in (&nl, netns_fd, &e) < 0)
    note (-1, &first, &e);
  else
    for (size_t i = b->n; i-- > 0;)
      undo_one (&nl, &b->nics[i], &first);
  sie_tcbridge_free (b);
  if (first == NULL)
    return 0;
  if (err)
    {
      *err = first;
      return sie_error_prefix (err, "tc bridge teardown");
    }
  sie_error_release (&first);
  return -1;
}

void
sie_tcbridge_free (struct sie_tcbridge *b)
{
  for (size_t i = 0; i < b->n; i++)
    {
      if (b->nics[i].tap_fd >= 0)
        close (b->nics[i].tap_fd);
      free (b->nics[i].addrs);
      free (b->nics[i].routes);
    }
  free (b->nics);
  memset (b, 0, sizeof *b);
}
