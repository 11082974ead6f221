/* IPv4 and IPv6 addresses of links: dump, add, delete, text form. */
#include "netns/msg.h"
#include "netns/netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

struct nlmsghdr *
sie_addr_build_dump (void *buf, int family)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_GETADDR, 0);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);

  ifa->ifa_family = (unsigned char) family;
  return nlh;
}

struct nlmsghdr *
sie_addr_build (void *buf, uint16_t type, const struct sie_addr *a)
{
  uint16_t flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
  struct nlmsghdr *nlh = sie_nl_msg (buf, type, flags);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  size_t len = sie_nl_family_len (a->family);

  ifa->ifa_family = a->family;
  ifa->ifa_prefixlen = a->prefixlen;
  ifa->ifa_flags = (unsigned char) (a->flags & 0xff);
  ifa->ifa_scope = a->scope;
  ifa->ifa_index = (unsigned int) a->index;
  /* IFA_LOCAL is the interface's own address and IFA_ADDRESS the peer's,
   * the same when there is no peer; IPv6 takes IFA_ADDRESS alone then. */
  if (a->family == AF_INET || a->has_peer)
    mnl_attr_put (nlh, IFA_LOCAL, len, a->addr);
  mnl_attr_put (nlh, IFA_ADDRESS, len, a->has_peer ? a->peer : a->addr);
  if (a->family == AF_INET && a->has_broadcast)
    mnl_attr_put (nlh, IFA_BROADCAST, 4, a->broadcast);
  if (type == RTM_NEWADDR && (a->flags & ~0xffu))
    mnl_attr_put_u32 (nlh, IFA_FLAGS, a->flags);
  return nlh;
}

static int
addr_attr (const struct nlattr *a, void *data)
{
  const struct nlattr **tb = data;

  if (mnl_attr_type_valid (a, IFA_MAX) > 0)
    tb[mnl_attr_get_type (a)] = a;
  return MNL_CB_OK;
}

static bool
addr_attr_ok (const struct nlattr *a, size_t len)
{
  return a && mnl_attr_get_payload_len (a) == len;
}

int
sie_addr_parse (const struct nlmsghdr *nlh, struct sie_addr *out)
{
  const struct nlattr *tb[IFA_MAX + 1] = { 0 };
  const struct ifaddrmsg *ifa;
  const struct nlattr *own;
  size_t len;

  memset (out, 0, sizeof *out);
  if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len (nlh) < sizeof *ifa)
    return -1;
  ifa = mnl_nlmsg_get_payload (nlh);
  len = sie_nl_family_len (ifa->ifa_family);
  if (len == 0 || mnl_attr_parse (nlh, sizeof *ifa, addr_attr, tb) < 0)
    return -1;
  out->index = (int) ifa->ifa_index;
  out->family = ifa->ifa_family;
  out->prefixlen = ifa->ifa_prefixlen;
  out->scope = ifa->ifa_scope;
  out->flags = ifa->ifa_flags;
  if (tb[IFA_FLAGS] && mnl_attr_validate (tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
    out->flags = mnl_attr_get_u32 (tb[IFA_FLAGS]);
  own = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (!addr_attr_ok (own, len))
    return -1;
  memcpy (out->addr, mnl_attr_get_payload (own), len);
  if (tb[IFA_LOCAL] && addr_attr_ok (tb[IFA_ADDRESS], len)
      && memcmp (mnl_attr_get_payload (tb[IFA_ADDRESS]), out->addr, len) != 0)
    {
      memcpy (out->peer, mnl_attr_get_payload (tb[IFA_ADDRESS]), len);
      out->has_peer = true;
    }
  if (out->family == AF_INET && addr_attr_ok (tb[IFA_BROADCAST], 4))
    {
      memcpy (out->broadcast, mnl_attr_get_payload (tb[IFA_BROADCAST]), 4);
      out->has_broadcast = true;
    }
  return 0;
}

struct addr_vec
{
  struct sie_addr *v;
  size_t n, cap;
  int index;
};

static int
addr_cb (const struct nlmsghdr *nlh, void *data)
{
  struct addr_vec *vec = data;
  struct sie_addr a;

  if (nlh->nlmsg_type != RTM_NEWADDR)
    return MNL_CB_OK;
  if (sie_addr_parse (nlh, &a) < 0)
    {
      errno = EPROTO;
      return MNL_CB_ERROR;
    }
  if (vec->index && a.index != vec->index)
    return MNL_CB_OK;
  if (sie_nl_append ((void **) &vec->v, &vec->n, &vec->cap, &a, sizeof a) < 0)
    return MNL_CB_ERROR;
  return MNL_CB_OK;
}

int
sie_addr_list (struct sie_nl *nl, int index, int family, struct sie_addr **addrs, size_t *n,
               sie_error_t *err)
{
  char buf[SIE_NL_BUF];
  struct addr_vec vec = { .index = index };

  if (sie_nl_dump_list (nl, sie_addr_build_dump (buf, family), addr_cb, &vec,
                        (void **) &vec.v, &vec.n, &vec.cap, "list addresses", err) < 0)
    return -1;
  *addrs = vec.v;
  *n = vec.n;
  return 0;
}

static int
addr_request (struct sie_nl *nl, uint16_t type, const struct sie_addr *a, sie_error_t *err)
{
  char buf[SIE_NL_BUF], text[INET6_ADDRSTRLEN + 8], what[INET6_ADDRSTRLEN + 32];

  if (sie_nl_family_len (a->family) == 0)
    return sie_error (err, EAFNOSUPPORT, "address family %d", a->family);
  sie_addr_format (a, text, sizeof text);
  snprintf (what, sizeof what, "%s address %s", type == RTM_NEWADDR ? "add" : "delete", text);
  return sie_nl_request (nl, sie_addr_build (buf, type, a), what, err);
}

int
sie_addr_add (struct sie_nl *nl, const struct sie_addr *a, sie_error_t *err)
{
  return addr_request (nl, RTM_NEWADDR, a, err);
}

int
sie_addr_del (struct sie_nl *nl, const struct sie_addr *a, sie_error_t *err)
{
  return addr_request (nl, RTM_DELADDR, a, err);
}

int
sie_addr_from_text (const char *text, struct sie_addr *a)
{
  char host[INET6_ADDRSTRLEN];
  const char *slash = strchr (text, '/');
  size_t hlen = slash ? (size_t) (slash - text) : strlen (text);
  char *end;
  long prefix;

  memset (a, 0, sizeof *a);
  if (hlen == 0 || hlen >= sizeof host)
    return -1;
  memcpy (host, text, hlen);
  host[hlen] = '\0';
  if (inet_pton (AF_INET, host, a->addr) == 1)
    a->family = AF_INET;
  else if (inet_pton (AF_INET6, host, a->addr) == 1)
    a->family = AF_INET6;
  else
    return -1;
  prefix = (long) sie_nl_family_len (a->family) * 8;
  if (slash)
    {
      errno = 0;
      prefix = strtol (slash + 1, &end, 10);
      if (errno || end == slash + 1 || *end || prefix < 0
          || prefix > (long) sie_nl_family_len (a->family) * 8)
        return -1;
    }
  a->prefixlen = (unsigned char) prefix;
  return 0;
}

void
sie_addr_format (const struct sie_addr *a, char *buf, size_t size)
{
  char host[INET6_ADDRSTRLEN];

  if (inet_ntop (a->family, a->addr, host, sizeof host) == NULL)
    snprintf (host, sizeof host, "?");
  snprintf (buf, size, "%s/%u", host, a->prefixlen);
}
