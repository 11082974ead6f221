/* Traffic control over rtnetlink: the ingress qdisc, and a u32 filter
 * whose mirred action redirects every frame to another link's egress. */
#include "netns/msg.h"
#include "netns/netns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <sys/socket.h>

/* ffff:, the handle iproute2 gives "ingress"; its filters hang from it. */
#define INGRESS_HANDLE TC_H_MAKE (TC_H_INGRESS, 0)

static struct tcmsg *
put_tcmsg (struct nlmsghdr *nlh, int ifindex, uint32_t handle, uint32_t parent, uint32_t info)
{
  struct tcmsg *tcm = mnl_nlmsg_put_extra_header (nlh, sizeof *tcm);

  tcm->tcm_family = AF_UNSPEC;
  tcm->tcm_ifindex = ifindex;
  tcm->tcm_handle = handle;
  tcm->tcm_parent = parent;
  tcm->tcm_info = info;
  return tcm;
}

struct nlmsghdr *
sie_tc_build_ingress (void *buf, uint16_t type, int ifindex)
{
  uint16_t flags = type == RTM_NEWQDISC ? NLM_F_CREATE | NLM_F_EXCL : 0;
  struct nlmsghdr *nlh = sie_nl_msg (buf, type, flags);

  put_tcmsg (nlh, ifindex, INGRESS_HANDLE, TC_H_INGRESS, 0);
  if (type == RTM_NEWQDISC)
    mnl_attr_put_strz (nlh, TCA_KIND, "ingress");
  return nlh;
}

/* The u32 selector with one key of mask 0: every frame matches. */
static void
put_match_all (struct nlmsghdr *nlh)
{
  struct
  {
    struct tc_u32_sel sel;
    struct tc_u32_key key;
  } s;

  memset (&s, 0, sizeof s);
  s.sel.flags = TC_U32_TERMINAL;
  s.sel.nkeys = 1;
  mnl_attr_put (nlh, TCA_U32_SEL, sizeof s, &s);
}

/* Actions are a list nested by their order, 1 first; each holds its
 * kind and kind-specific options. */
static void
put_mirred_redirect (struct nlmsghdr *nlh, int to)
{
  struct tc_mirred parms;
  struct nlattr *acts, *first, *opts;

  memset (&parms, 0, sizeof parms);
  parms.action = TC_ACT_STOLEN; /* the frame leaves with the redirect */
  parms.eaction = TCA_EGRESS_REDIR;
  parms.ifindex = (uint32_t) to;
  acts = mnl_attr_nest_start (nlh, TCA_U32_ACT);
  first = mnl_attr_nest_start (nlh, 1);
  mnl_attr_put_strz (nlh, TCA_ACT_KIND, "mirred");
  opts = mnl_attr_nest_start (nlh, TCA_ACT_OPTIONS);
  mnl_attr_put (nlh, TCA_MIRRED_PARMS, sizeof parms, &parms);
  mnl_attr_nest_end (nlh, opts);
  mnl_attr_nest_end (nlh, first);
  mnl_attr_nest_end (nlh, acts);
}

struct nlmsghdr *
sie_tc_build_redirect (void *buf, int from, int to, uint16_t prio)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
  struct nlattr *opts;

  /* tcm_info carries the priority and the protocol (ETH_P_ALL: all). */
  put_tcmsg (nlh, from, 0, INGRESS_HANDLE,
             TC_H_MAKE ((uint32_t) prio << 16, htons (ETH_P_ALL)));
  mnl_attr_put_strz (nlh, TCA_KIND, "u32");
  opts = mnl_attr_nest_start (nlh, TCA_OPTIONS);
  put_match_all (nlh);
  put_mirred_redirect (nlh, to);
  mnl_attr_nest_end (nlh, opts);
  return nlh;
}

int
sie_tc_ingress_add (struct sie_nl *nl, int ifindex, sie_error_t *err)
{
  char buf[SIE_NL_BUF];

  return sie_nl_request (nl, sie_tc_build_ingress (buf, RTM_NEWQDISC, ifindex),
                         "add the ingress qdisc", err);
}

int
sie_tc_ingress_del (struct sie_nl *nl, int ifindex, sie_error_t *err)
{
  char buf[SIE_NL_BUF];

  return sie_nl_request (nl, sie_tc_build_ingress (buf, RTM_DELQDISC, ifindex),
                         "delete the ingress qdisc", err);
}

int
sie_tc_redirect_add (struct sie_nl *nl, int from, int to, sie_error_t *err)
{
  char buf[SIE_NL_BUF], what[64];

  snprintf (what, sizeof what, "add a redirect filter to link %d", to);
  return sie_nl_request (nl, sie_tc_build_redirect (buf, from, to, SIE_TC_PRIO), what, err);
}
