/* The network part of eligibility.  A container with a network namespace
 * of its own takes it along: CRIU dumps its devices, addresses and routes,
 * and re-creates each veth at the destination with the outer end as a
 * port of the daemon's bridge (sie serve --bridge).  What cannot come
 * along is a device that is not virtual, and an address is no use where
 * the destination already has it. */
#include "relocate/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "netns/netns.h"
#include "runtime/container_state.h"
#include "runtime/query.h"
#include "spec/json_out.h"
#include "util/cleanup.h"

/* The container's own namespace, or -1 when it has joined one by path
 * (that one stays where it is: facts.c checks the path exists there). */
static int
open_own_netns (const struct sie_container_info *info, sie_error_t *err)
{
  const struct sie_namespace *ns = sie_config_namespace (info->cfg, SIE_NS_NETWORK);
  char path[64];
  int fd;

  if (ns == NULL || ns->path != NULL || info->st == NULL || info->st->pid <= 0)
    return -1;
  snprintf (path, sizeof path, "/proc/%d/ns/net", info->st->pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? sie_error (err, errno, "%s", path) : fd;
}

static void
add_links (struct jout *o, const struct sie_link *links, size_t n)
{
  jout_key (o, "veths");
  jout_array (o);
  for (size_t i = 0; i < n; i++)
    if (strcmp (links[i].kind, "veth") == 0)
      jout_str (o, links[i].name);
  jout_end (o);
  /* no kind and not the loopback: a physical device, which stays here */
  jout_key (o, "fixed_devices");
  jout_array (o);
  for (size_t i = 0; i < n; i++)
    if (links[i].kind[0] == '\0' && !(links[i].flags & IFF_LOOPBACK))
      jout_str (o, links[i].name);
  jout_end (o);
}

static void
add_addrs (struct jout *o, const struct sie_addr *addrs, size_t n)
{
  jout_key (o, "addresses");
  jout_array (o);
  for (size_t i = 0; i < n; i++)
    if (addrs[i].scope == RT_SCOPE_UNIVERSE)
      {
        char text[INET6_ADDRSTRLEN + 8];
        sie_addr_format (&addrs[i], text, sizeof text);
        jout_str (o, text);
      }
  jout_end (o);
}

int
sie_netfacts_collect (const struct sie_container_info *info, struct jout *o, sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };
  cleanup_free struct sie_link *links = NULL;
  cleanup_free struct sie_addr *addrs = NULL;
  cleanup_close int fd = -1;
  size_t n_links, n_addrs;

  fd = open_own_netns (info, err);
  if (fd < 0)
    return *err ? -1 : 0;
  if (sie_nl_open_in (&nl, fd, err) < 0 || sie_link_list (&nl, &links, &n_links, err) < 0
      || sie_addr_list (&nl, 0, AF_UNSPEC, &addrs, &n_addrs, err) < 0)
    return sie_error_prefix (err, "the container's network namespace");
  add_links (o, links, n_links);
  add_addrs (o, addrs, n_addrs);
  return 0;
}

/* Asked over netlink: /sys/class/net shows the namespace sysfs was
 * mounted in, not necessarily the daemon's. */
static bool
is_bridge (const char *name)
{
  cleanup_nl struct sie_nl nl = { 0 };
  struct sie_link l;
  sie_error_t e = NULL;
  bool yes;

  yes = sie_nl_open (&nl, &e) == 0 && sie_link_get (&nl, name, &l, &e) == 0
        && strcmp (l.kind, "bridge") == 0;
  sie_error_release (&e);
  return yes;
}

static void
check_devices (yajl_val facts, const char *bridge, sie_violation_fn fn, void *data)
{
  const char *vp[] = { "veths", NULL }, *fp[] = { "fixed_devices", NULL };
  yajl_val veths = yajl_tree_get (facts, vp, yajl_t_array);
  yajl_val fixed = yajl_tree_get (facts, fp, yajl_t_array);
  char detail[256];

  for (size_t i = 0; fixed && i < fixed->u.array.len; i++)
    {
      snprintf (detail, sizeof detail, "device %s is not virtual and cannot move with the container",
                YAJL_GET_STRING (fixed->u.array.values[i]) ?: "?");
      fn (data, "network", detail);
    }
  if (veths == NULL || veths->u.array.len == 0)
    return;
  if (bridge == NULL)
    snprintf (detail, sizeof detail, "the container's veth %s needs a bridge here (sie serve --bridge)",
              YAJL_GET_STRING (veths->u.array.values[0]) ?: "?");
  else if (!is_bridge (bridge))
    snprintf (detail, sizeof detail, "bridge %s does not exist here", bridge);
  else
    return;
  fn (data, "network", detail);
}

/* An address the destination has already would answer for the container. */
static void
check_addresses (yajl_val facts, sie_violation_fn fn, void *data)
{
  const char *ap[] = { "addresses", NULL };
  yajl_val want = yajl_tree_get (facts, ap, yajl_t_array);
  cleanup_nl struct sie_nl nl = { 0 };
  cleanup_free struct sie_addr *have = NULL;
  sie_error_t e = NULL;
  size_t n = 0;

  if (want == NULL || want->u.array.len == 0)
    return;
  if (sie_nl_open (&nl, &e) < 0 || sie_addr_list (&nl, 0, AF_UNSPEC, &have, &n, &e) < 0)
    {
      fn (data, "network", e->msg);
      sie_error_release (&e);
      return;
    }
  for (size_t i = 0; i < want->u.array.len; i++)
    {
      const char *text = YAJL_GET_STRING (want->u.array.values[i]);
      struct sie_addr a;
      char detail[128];

      if (text == NULL || sie_addr_from_text (text, &a) < 0)
        continue;
      for (size_t j = 0; j < n; j++)
        if (have[j].family == a.family
            && memcmp (have[j].addr, a.addr, a.family == AF_INET ? 4 : 16) == 0)
          {
            snprintf (detail, sizeof detail, "address %s is already in use here", text);
            fn (data, "network", detail);
          }
    }
}

void
sie_netfacts_check (yajl_val facts, const char *bridge, sie_violation_fn fn, void *data)
{
  check_devices (facts, bridge, fn, data);
  check_addresses (facts, fn, data);
}

int
sie_netfacts_veths (yajl_val facts, char ***names, size_t *n)
{
  const char *vp[] = { "veths", NULL };
  yajl_val veths = yajl_tree_get (facts, vp, yajl_t_array);

  *names = NULL;
  *n = 0;
  if (veths == NULL || veths->u.array.len == 0)
    return 0;
  *names = calloc (veths->u.array.len, sizeof **names);
  if (*names == NULL)
    return -1;
  for (size_t i = 0; i < veths->u.array.len; i++)
    if (YAJL_GET_STRING (veths->u.array.values[i]))
      (*names)[(*n)++] = YAJL_GET_STRING (veths->u.array.values[i]);
  return 0;
}
