/* IPv4 and IPv6 routes: dump, add, delete.  Single-path routes only: a
 * multipath route is listed without its next hops. */
#include "netns/msg.h"
#include "netns/netns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <sys/socket.h>

struct nlmsghdr *
sie_route_build_dump (void *buf, int family)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_GETROUTE, 0);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);

  rtm->rtm_family = (unsigned char) family;
  return nlh;
}

struct nlmsghdr *
sie_route_build (void *buf, uint16_t type, const struct sie_route *r)
{
  uint16_t flags = type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0;
  struct nlmsghdr *nlh = sie_nl_msg (buf, type, flags);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
  size_t len = sie_nl_family_len (r->family);

  rtm->rtm_family = r->family;
  rtm->rtm_dst_len = r->dst_len;
  /* Table ids past 255 only fit in RTA_TABLE. */
  rtm->rtm_table = table < 256 ? (unsigned char) table : RT_TABLE_UNSPEC;
  rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_BOOT;
  rtm->rtm_scope = r->scope;
  rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
  if (table >= 256)
    mnl_attr_put_u32 (nlh, RTA_TABLE, table);
  if (r->has_dst)
    mnl_attr_put (nlh, RTA_DST, len, r->dst);
  if (r->has_gateway)
    mnl_attr_put (nlh, RTA_GATEWAY, len, r->gateway);
  if (r->has_prefsrc)
    mnl_attr_put (nlh, RTA_PREFSRC, len, r->prefsrc);
  if (r->oif)
    mnl_attr_put_u32 (nlh, RTA_OIF, (uint32_t) r->oif);
  if (r->has_priority)
    mnl_attr_put_u32 (nlh, RTA_PRIORITY, r->priority);
  return nlh;
}

static int
route_attr (const struct nlattr *a, void *data)
{
  const struct nlattr **tb = data;

  if (mnl_attr_type_valid (a, RTA_MAX) > 0)
    tb[mnl_attr_get_type (a)] = a;
  return MNL_CB_OK;
}

/* Copies an address attribute of the right length; false when absent. */
static bool
take_addr (const struct nlattr *a, size_t len, unsigned char *to)
{
  if (a == NULL || mnl_attr_get_payload_len (a) != len)
    return false;
  memcpy (to, mnl_attr_get_payload (a), len);
  return true;
}

int
sie_route_parse (const struct nlmsghdr *nlh, struct sie_route *out)
{
  const struct nlattr *tb[RTA_MAX + 1] = { 0 };
  const struct rtmsg *rtm;
  size_t len;

  memset (out, 0, sizeof *out);
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len (nlh) < sizeof *rtm)
    return -1;
  rtm = mnl_nlmsg_get_payload (nlh);
  len = sie_nl_family_len (rtm->rtm_family);
  if (len == 0 || mnl_attr_parse (nlh, sizeof *rtm, route_attr, tb) < 0)
    return -1;
  out->family = rtm->rtm_family;
  out->dst_len = rtm->rtm_dst_len;
  out->protocol = rtm->rtm_protocol;
  out->scope = rtm->rtm_scope;
  out->type = rtm->rtm_type;
  out->table = rtm->rtm_table;
  if (tb[RTA_TABLE] && mnl_attr_validate (tb[RTA_TABLE], MNL_TYPE_U32) == 0)
    out->table = mnl_attr_get_u32 (tb[RTA_TABLE]);
  if (tb[RTA_OIF] && mnl_attr_validate (tb[RTA_OIF], MNL_TYPE_U32) == 0)
    out->oif = (int) mnl_attr_get_u32 (tb[RTA_OIF]);
  if (tb[RTA_PRIORITY] && mnl_attr_validate (tb[RTA_PRIORITY], MNL_TYPE_U32) == 0)
    {
      out->priority = mnl_attr_get_u32 (tb[RTA_PRIORITY]);
      out->has_priority = true;
    }
  out->has_dst = take_addr (tb[RTA_DST], len, out->dst);
  out->has_gateway = take_addr (tb[RTA_GATEWAY], len, out->gateway);
  out->has_prefsrc = take_addr (tb[RTA_PREFSRC], len, out->prefsrc);
  return 0;
}

struct route_vec
{
  struct sie_route *v;
  size_t n, cap;
};

static int
route_cb (const struct nlmsghdr *nlh, void *data)
{
  struct route_vec *vec = data;
  const struct rtmsg *rtm = mnl_nlmsg_get_payload (nlh);
  struct sie_route r;

  /* An AF_UNSPEC dump also brings multicast (ipmr) routes: not ours. */
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len (nlh) < sizeof *rtm
      || sie_nl_family_len (rtm->rtm_family) == 0)
    return MNL_CB_OK;
  if (sie_route_parse (nlh, &r) < 0)
    {
      errno = EPROTO;
      return MNL_CB_ERROR;
    }
  if (sie_nl_append ((void **) &vec->v, &vec->n, &vec->cap, &r, sizeof r) < 0)
    return MNL_CB_ERROR;
  return MNL_CB_OK;
}

int
sie_route_list (struct sie_nl *nl, int family, struct sie_route **routes, size_t *n,
                sie_error_t *err)
{
  char buf[SIE_NL_BUF];
  struct route_vec vec = { 0 };

  if (sie_nl_dump_list (nl, sie_route_build_dump (buf, family), route_cb, &vec,
                        (void **) &vec.v, &vec.n, &vec.cap, "list routes", err) < 0)
    return -1;
  *routes = vec.v;
  *n = vec.n;
  return 0;
}

int
sie_route_add (struct sie_nl *nl, const struct sie_route *r, sie_error_t *err)
{
  char buf[SIE_NL_BUF];

  if (sie_nl_family_len (r->family) == 0)
    return sie_error (err, EAFNOSUPPORT, "add route: address family %d", r->family);
  return sie_nl_request (nl, sie_route_build (buf, RTM_NEWROUTE, r), "add route", err);
}

int
sie_route_del (struct sie_nl *nl, const struct sie_route *r, sie_error_t *err)
{
  char buf[SIE_NL_BUF];
  struct sie_route any_scope = *r;

  if (sie_nl_family_len (r->family) == 0)
    return sie_error (err, EAFNOSUPPORT, "delete route: address family %d", r->family);
  /* The kernel matches the scope too unless told any will do. */
  any_scope.scope = RT_SCOPE_NOWHERE;
  return sie_nl_request (nl, sie_route_build (buf, RTM_DELROUTE, &any_scope), "delete route",
                         err);
}
