/* netns/: rtnetlink messages built byte for byte and attribute by
 * attribute, kernel answers parsed from hand-made bytes, the netdevices
 * journal, and at the end one round trip of every operation against the
 * kernel, in network namespaces of the test's own. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>

#include "netns/msg.h"
#include "netns/netdevices.h"
#include "netns/netns.h"
#include "netns/tcbridge.h"
#include "tests/unit/tap.h"

static char buf[SIE_NL_BUF];

/* ------------------------------------------------------------ helpers */

/* The attributes of one nest level, by type (the last one wins). */
struct attrs
{
  const struct nlattr *tb[64];
  int count;
};

static int
collect (const struct nlattr *a, void *data)
{
  struct attrs *at = data;

  if (mnl_attr_get_type (a) < 64)
    at->tb[mnl_attr_get_type (a)] = a;
  at->count++;
  return MNL_CB_OK;
}

static struct attrs
top_attrs (const struct nlmsghdr *nlh, size_t header)
{
  struct attrs at = { 0 };

  mnl_attr_parse (nlh, (unsigned int) header, collect, &at);
  return at;
}

static struct attrs
nested (const struct nlattr *a)
{
  struct attrs at = { 0 };

  if (a)
    mnl_attr_parse_nested (a, collect, &at);
  return at;
}

static bool
str_attr (const struct nlattr *a, const char *want)
{
  return a && mnl_attr_get_payload_len (a) == strlen (want) + 1
         && strcmp (mnl_attr_get_str (a), want) == 0;
}

static bool
u32_attr (const struct nlattr *a, uint32_t want)
{
  return a && mnl_attr_get_payload_len (a) == 4 && mnl_attr_get_u32 (a) == want;
}

static bool
bytes_attr (const struct nlattr *a, const void *want, size_t len)
{
  return a && mnl_attr_get_payload_len (a) == len
         && memcmp (mnl_attr_get_payload (a), want, len) == 0;
}

/* Hand-made kernel answers, without libmnl: header, fixed part, then
 * attributes appended with put_attr. */
struct raw
{
  unsigned char b[1024];
  size_t len;
};

static void
raw_start (struct raw *r, uint16_t type, uint16_t flags, const void *fixed, size_t fixed_len)
{
  struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = 1 };

  memset (r, 0, sizeof *r);
  memcpy (r->b + sizeof h, fixed, fixed_len);
  r->len = NLMSG_ALIGN (sizeof h + fixed_len);
  h.nlmsg_len = (uint32_t) r->len;
  memcpy (r->b, &h, sizeof h);
}

static size_t
put_attr (struct raw *r, uint16_t type, const void *data, size_t len)
{
  struct nlattr a = { .nla_len = (uint16_t) (NLA_HDRLEN + len), .nla_type = type };
  size_t at = r->len;

  memcpy (r->b + r->len, &a, sizeof a);
  if (len)
    memcpy (r->b + r->len + NLA_HDRLEN, data, len);
  r->len += NLA_ALIGN (NLA_HDRLEN + len);
  ((struct nlmsghdr *) r->b)->nlmsg_len = (uint32_t) r->len;
  return at;
}

static void
put_u32 (struct raw *r, uint16_t type, uint32_t v)
{
  put_attr (r, type, &v, 4);
}

static void
put_str (struct raw *r, uint16_t type, const char *s)
{
  put_attr (r, type, s, strlen (s) + 1);
}

/* Closes a nest opened with put_attr (r, type, NULL, 0) at offset at. */
static void
end_nest (struct raw *r, size_t at)
{
  ((struct nlattr *) (r->b + at))->nla_len = (uint16_t) (r->len - at);
}

/* ------------------------------------------------------------ building */

static void
test_link_up_bytes (void)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (7);
  struct
  {
    struct nlmsghdr h;
    struct ifinfomsg ifi;
  } want;
  struct nlmsghdr *nlh;

  c.flags_mask = IFF_UP;
  c.flags = IFF_UP;
  nlh = sie_link_build_change (buf, &c);
  memset (&want, 0, sizeof want);
  want.h.nlmsg_len = sizeof want;
  want.h.nlmsg_type = RTM_NEWLINK;
  want.h.nlmsg_flags = NLM_F_REQUEST;
  want.ifi.ifi_family = AF_UNSPEC;
  want.ifi.ifi_index = 7;
  want.ifi.ifi_flags = IFF_UP;
  want.ifi.ifi_change = IFF_UP;
  ok (nlh->nlmsg_len == sizeof want && memcmp (nlh, &want, sizeof want) == 0,
      "link up: header and ifinfomsg byte for byte, no attribute");

  c.flags = 0;
  nlh = sie_link_build_change (buf, &c);
  want.ifi.ifi_flags = 0;
  ok (memcmp (nlh, &want, sizeof want) == 0, "link down: ifi_change IFF_UP, ifi_flags 0");
}

static void
test_link_move_attrs (void)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (3);
  const struct ifinfomsg *ifi;
  struct nlmsghdr *nlh;
  struct attrs at;

  c.name = "ctr0";
  c.netns_fd = 42;
  nlh = sie_link_build_change (buf, &c);
  ifi = mnl_nlmsg_get_payload (nlh);
  at = top_attrs (nlh, sizeof *ifi);
  ok (nlh->nlmsg_len == 16 + 16 + 12 + 8, "move+rename: length %u", nlh->nlmsg_len);
  ok (ifi->ifi_index == 3 && ifi->ifi_change == 0, "move+rename: index, no flag change");
  ok (at.count == 2 && str_attr (at.tb[IFLA_IFNAME], "ctr0")
          && u32_attr (at.tb[IFLA_NET_NS_FD], 42),
      "move+rename: IFLA_IFNAME and IFLA_NET_NS_FD in one message");

  c = (struct sie_link_change) SIE_LINK_CHANGE_INIT (3);
  c.netns_pid = 1234;
  c.mtu = 9000;
  c.mac = (const unsigned char *) "\x02\x00\x00\xaa\xbb\xcc";
  c.mac_len = 6;
  nlh = sie_link_build_change (buf, &c);
  at = top_attrs (nlh, sizeof *ifi);
  ok (at.count == 3 && u32_attr (at.tb[IFLA_NET_NS_PID], 1234) && u32_attr (at.tb[IFLA_MTU], 9000)
          && bytes_attr (at.tb[IFLA_ADDRESS], "\x02\x00\x00\xaa\xbb\xcc", 6),
      "pid move, MTU and MAC attributes");

  nlh = sie_link_build_delete (buf, 9);
  ifi = mnl_nlmsg_get_payload (nlh);
  ok (nlh->nlmsg_type == RTM_DELLINK && ifi->ifi_index == 9 && nlh->nlmsg_len == 32,
      "delete link: RTM_DELLINK on the index alone");
}

static void
test_veth (void)
{
  struct nlmsghdr *nlh = sie_veth_build (buf, "v0", "v1", 9);
  struct attrs top = top_attrs (nlh, sizeof (struct ifinfomsg));
  struct attrs info = nested (top.tb[IFLA_LINKINFO]);
  struct attrs data = nested (info.tb[IFLA_INFO_DATA]);
  const struct nlattr *peer = data.tb[VETH_INFO_PEER];
  struct attrs peer_attrs = { 0 };
  const struct ifinfomsg *pifi = peer ? mnl_attr_get_payload (peer) : NULL;

  ok (nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL),
      "veth: create, exclusive");
  ok (str_attr (top.tb[IFLA_IFNAME], "v0") && str_attr (info.tb[IFLA_INFO_KIND], "veth"),
      "veth: name and IFLA_INFO_KIND");
  if (peer && mnl_attr_get_payload_len (peer) >= sizeof *pifi)
    mnl_attr_parse_payload ((const char *) pifi + NLMSG_ALIGN (sizeof *pifi),
                            mnl_attr_get_payload_len (peer) - NLMSG_ALIGN (sizeof *pifi), collect,
                            &peer_attrs);
  ok (pifi && pifi->ifi_family == AF_UNSPEC && pifi->ifi_index == 0,
      "veth: VETH_INFO_PEER starts with its own ifinfomsg");
  ok (peer_attrs.count == 2 && str_attr (peer_attrs.tb[IFLA_IFNAME], "v1")
          && u32_attr (peer_attrs.tb[IFLA_NET_NS_FD], 9),
      "veth: the peer's name and namespace follow it");
}

static void
test_addr_build (void)
{
  struct sie_addr a = { .index = 3, .family = AF_INET, .prefixlen = 24, .has_broadcast = true };
  struct
  {
    struct nlmsghdr h;
    struct ifaddrmsg ifa;
    struct nlattr local;
    unsigned char local_v[4];
    struct nlattr address;
    unsigned char address_v[4];
    struct nlattr brd;
    unsigned char brd_v[4];
  } want;
  struct nlmsghdr *nlh;
  struct attrs at;

  inet_pton (AF_INET, "10.1.2.3", a.addr);
  inet_pton (AF_INET, "10.1.2.255", a.broadcast);
  nlh = sie_addr_build (buf, RTM_NEWADDR, &a);
  memset (&want, 0, sizeof want);
  want.h = (struct nlmsghdr){ .nlmsg_len = sizeof want, .nlmsg_type = RTM_NEWADDR,
                              .nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL };
  want.ifa = (struct ifaddrmsg){ .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 3 };
  want.local = (struct nlattr){ 8, IFA_LOCAL };
  memcpy (want.local_v, a.addr, 4);
  want.address = (struct nlattr){ 8, IFA_ADDRESS };
  memcpy (want.address_v, a.addr, 4);
  want.brd = (struct nlattr){ 8, IFA_BROADCAST };
  memcpy (want.brd_v, a.broadcast, 4);
  ok (nlh->nlmsg_len == sizeof want && memcmp (nlh, &want, sizeof want) == 0,
      "IPv4 address: IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST byte for byte");

  memset (&a, 0, sizeof a);
  a.index = 4;
  a.family = AF_INET6;
  a.prefixlen = 64;
  a.flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
  inet_pton (AF_INET6, "fd00::1", a.addr);
  nlh = sie_addr_build (buf, RTM_NEWADDR, &a);
  at = top_attrs (nlh, sizeof (struct ifaddrmsg));
  ok (at.count == 2 && bytes_attr (at.tb[IFA_ADDRESS], a.addr, 16)
          && u32_attr (at.tb[IFA_FLAGS], IFA_F_NODAD | IFA_F_NOPREFIXROUTE)
          && ((struct ifaddrmsg *) mnl_nlmsg_get_payload (nlh))->ifa_flags == IFA_F_NODAD,
      "IPv6 address: IFA_ADDRESS alone, flags past 8 bits in IFA_FLAGS");

  nlh = sie_addr_build (buf, RTM_DELADDR, &a);
  at = top_attrs (nlh, sizeof (struct ifaddrmsg));
  ok (nlh->nlmsg_flags == NLM_F_REQUEST && at.count == 1, "delete address: no create flags");
}

static void
test_route_build (void)
{
  struct sie_route r = { .family = AF_INET, .oif = 2, .has_gateway = true };
  const struct rtmsg *rtm;
  struct nlmsghdr *nlh;
  struct attrs at;

  inet_pton (AF_INET, "10.0.0.1", r.gateway);
  nlh = sie_route_build (buf, RTM_NEWROUTE, &r);
  rtm = mnl_nlmsg_get_payload (nlh);
  at = top_attrs (nlh, sizeof *rtm);
  ok (rtm->rtm_family == AF_INET && rtm->rtm_dst_len == 0 && rtm->rtm_table == RT_TABLE_MAIN
          && rtm->rtm_protocol == RTPROT_BOOT && rtm->rtm_type == RTN_UNICAST
          && rtm->rtm_scope == RT_SCOPE_UNIVERSE,
      "default route: rtmsg defaults (main, boot, unicast, universe)");
  ok (at.count == 2 && bytes_attr (at.tb[RTA_GATEWAY], r.gateway, 4)
          && u32_attr (at.tb[RTA_OIF], 2),
      "default route: RTA_GATEWAY and RTA_OIF, no RTA_DST");

  r.table = 1000;
  r.has_dst = true;
  r.dst_len = 16;
  inet_pton (AF_INET, "10.50.0.0", r.dst);
  nlh = sie_route_build (buf, RTM_NEWROUTE, &r);
  rtm = mnl_nlmsg_get_payload (nlh);
  at = top_attrs (nlh, sizeof *rtm);
  ok (rtm->rtm_table == RT_TABLE_UNSPEC && u32_attr (at.tb[RTA_TABLE], 1000)
          && bytes_attr (at.tb[RTA_DST], r.dst, 4) && rtm->rtm_dst_len == 16,
      "table 1000 goes in RTA_TABLE; RTA_DST with its length");
}

static void
test_tc_ingress (void)
{
  struct
  {
    struct nlmsghdr h;
    struct tcmsg tcm;
    struct nlattr kind;
    char kind_v[8];
  } want;
  struct nlmsghdr *nlh = sie_tc_build_ingress (buf, RTM_NEWQDISC, 5);

  memset (&want, 0, sizeof want);
  want.h = (struct nlmsghdr){ .nlmsg_len = sizeof want, .nlmsg_type = RTM_NEWQDISC,
                              .nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL };
  want.tcm = (struct tcmsg){ .tcm_family = AF_UNSPEC, .tcm_ifindex = 5,
                             .tcm_handle = 0xffff0000, .tcm_parent = TC_H_INGRESS };
  want.kind = (struct nlattr){ 4 + 8, TCA_KIND };
  memcpy (want.kind_v, "ingress", 8);
  ok (nlh->nlmsg_len == sizeof want && memcmp (nlh, &want, sizeof want) == 0,
      "ingress qdisc: handle ffff:, parent ingress, TCA_KIND byte for byte");

  nlh = sie_tc_build_ingress (buf, RTM_DELQDISC, 5);
  ok (nlh->nlmsg_type == RTM_DELQDISC && nlh->nlmsg_flags == NLM_F_REQUEST
          && nlh->nlmsg_len == sizeof want.h + sizeof want.tcm,
      "delete ingress: the tcmsg alone");
}

static void
test_tc_redirect (void)
{
  struct nlmsghdr *nlh = sie_tc_build_redirect (buf, 5, 9, 1);
  const struct tcmsg *tcm = mnl_nlmsg_get_payload (nlh);
  struct attrs top = top_attrs (nlh, sizeof *tcm);
  struct attrs opts = nested (top.tb[TCA_OPTIONS]);
  struct attrs acts = nested (opts.tb[TCA_U32_ACT]);
  struct attrs act1 = nested (acts.tb[1]);
  struct attrs mirred = nested (act1.tb[TCA_ACT_OPTIONS]);
  const struct nlattr *sel_a = opts.tb[TCA_U32_SEL], *parms_a = mirred.tb[TCA_MIRRED_PARMS];
  const struct tc_u32_sel *sel = sel_a ? mnl_attr_get_payload (sel_a) : NULL;
  const struct tc_mirred *parms = parms_a ? mnl_attr_get_payload (parms_a) : NULL;

  ok (nlh->nlmsg_type == RTM_NEWTFILTER && tcm->tcm_ifindex == 5 && tcm->tcm_parent == 0xffff0000
          && tcm->tcm_handle == 0,
      "filter: on ifindex 5's ingress (ffff:), handle left to the kernel");
  ok (tcm->tcm_info == ((1u << 16) | htons (ETH_P_ALL)), "filter: prio 1, protocol all");
  ok (str_attr (top.tb[TCA_KIND], "u32") && top.count == 2, "filter: TCA_KIND u32, TCA_OPTIONS");
  ok (sel && mnl_attr_get_payload_len (sel_a) == sizeof *sel + sizeof (struct tc_u32_key)
          && sel->nkeys == 1 && sel->flags == TC_U32_TERMINAL && sel->keys[0].mask == 0
          && sel->keys[0].val == 0 && sel->keys[0].off == 0,
      "u32: one key, mask 0: matches every frame, terminal");
  ok (acts.count == 1 && str_attr (act1.tb[TCA_ACT_KIND], "mirred"),
      "actions: one, at order 1, kind mirred");
  ok (parms && mnl_attr_get_payload_len (parms_a) == sizeof *parms
          && parms->eaction == TCA_EGRESS_REDIR && parms->action == TC_ACT_STOLEN
          && parms->ifindex == 9,
      "mirred: egress redirect to ifindex 9, stolen");
}

/* ------------------------------------------------------------ parsing */

static void
test_link_parse (void)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER, .ifi_index = 4,
                           .ifi_flags = IFF_UP | IFF_BROADCAST };
  const unsigned char mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
  struct sie_link l;
  struct raw r;
  size_t info;

  raw_start (&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  put_str (&r, IFLA_IFNAME, "eth1");
  put_u32 (&r, IFLA_MTU, 9000);
  put_attr (&r, IFLA_ADDRESS, mac, 6);
  put_u32 (&r, IFLA_MASTER, 3);
  put_u32 (&r, 0x7ff0, 1); /* newer than these headers: skipped */
  info = put_attr (&r, IFLA_LINKINFO, NULL, 0);
  put_str (&r, IFLA_INFO_KIND, "veth");
  end_nest (&r, info);
  ok (sie_link_parse ((void *) r.b, &l) == 0, "link answer parses");
  ok (l.index == 4 && strcmp (l.name, "eth1") == 0 && l.mtu == 9000 && l.type == ARPHRD_ETHER
          && (l.flags & IFF_UP) && l.master == 3 && strcmp (l.kind, "veth") == 0,
      "link: index, name, mtu, type, flags, master, kind");
  ok (l.mac_len == 6 && memcmp (l.mac, mac, 6) == 0, "link: hardware address");

  raw_start (&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  put_attr (&r, IFLA_IFNAME, "eth1", 4); /* no NUL */
  ok (sie_link_parse ((void *) r.b, &l) < 0, "a name without its NUL is refused");
  raw_start (&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  put_u32 (&r, IFLA_MTU, 1500);
  ok (sie_link_parse ((void *) r.b, &l) < 0, "a link without a name is refused");
  raw_start (&r, RTM_NEWADDR, 0, &ifi, sizeof ifi);
  ok (sie_link_parse ((void *) r.b, &l) < 0, "another message type is refused");
}

static void
test_addr_parse (void)
{
  struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_flags = IFA_F_SECONDARY,
                           .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = 6 };
  unsigned char local[4] = { 10, 0, 0, 1 }, peer[4] = { 10, 0, 0, 2 }, v6[16];
  struct sie_addr a;
  struct raw r;
  char text[64];

  raw_start (&r, RTM_NEWADDR, 0, &ifa, sizeof ifa);
  put_attr (&r, IFA_ADDRESS, peer, 4);
  put_attr (&r, IFA_LOCAL, local, 4);
  put_u32 (&r, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
  ok (sie_addr_parse ((void *) r.b, &a) == 0, "point-to-point IPv4 answer parses");
  sie_addr_format (&a, text, sizeof text);
  is_str (text, "10.0.0.1/32", "own address from IFA_LOCAL");
  ok (a.has_peer && memcmp (a.peer, peer, 4) == 0 && a.index == 6,
      "peer from an IFA_ADDRESS that differs");
  ok (a.flags == (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE), "IFA_FLAGS wins over ifa_flags");

  ifa.ifa_family = AF_INET6;
  ifa.ifa_prefixlen = 64;
  inet_pton (AF_INET6, "fd00:9::2", v6);
  raw_start (&r, RTM_NEWADDR, 0, &ifa, sizeof ifa);
  put_attr (&r, IFA_ADDRESS, v6, 16);
  ok (sie_addr_parse ((void *) r.b, &a) == 0 && !a.has_peer && memcmp (a.addr, v6, 16) == 0
          && a.prefixlen == 64,
      "IPv6: IFA_ADDRESS alone is the own address");
  raw_start (&r, RTM_NEWADDR, 0, &ifa, sizeof ifa);
  put_attr (&r, IFA_ADDRESS, local, 4);
  ok (sie_addr_parse ((void *) r.b, &a) < 0, "an address of the wrong length is refused");
}

static void
test_route_parse (void)
{
  struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_UNSPEC,
                       .rtm_protocol = RTPROT_STATIC, .rtm_type = RTN_UNICAST };
  unsigned char gw[4] = { 192, 168, 1, 1 };
  struct sie_route rt;
  struct raw r;

  raw_start (&r, RTM_NEWROUTE, 0, &rtm, sizeof rtm);
  put_u32 (&r, RTA_TABLE, 254);
  put_attr (&r, RTA_GATEWAY, gw, 4);
  put_u32 (&r, RTA_OIF, 2);
  put_u32 (&r, RTA_PRIORITY, 100);
  ok (sie_route_parse ((void *) r.b, &rt) == 0, "route answer parses");
  ok (!rt.has_dst && rt.has_gateway && memcmp (rt.gateway, gw, 4) == 0 && rt.oif == 2
          && rt.table == 254 && rt.has_priority && rt.priority == 100
          && rt.protocol == RTPROT_STATIC,
      "default route: gateway, oif, RTA_TABLE over rtm_table, metric, protocol");
}

static void
test_error_parse (void)
{
  struct
  {
    struct nlmsghdr h;
    struct nlmsgerr e;
    unsigned char tlv[64];
  } m;
  const char *text = "Exclusivity flag on";
  struct nlattr *a = (struct nlattr *) m.tlv;
  char msg[128];

  memset (&m, 0, sizeof m);
  m.h.nlmsg_type = NLMSG_ERROR;
  m.h.nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
  m.e.error = -EEXIST;
  m.e.msg.nlmsg_len = 64; /* the request's length: not echoed when capped */
  a->nla_type = NLMSGERR_ATTR_MSG;
  a->nla_len = (uint16_t) (NLA_HDRLEN + strlen (text) + 1);
  memcpy (m.tlv + NLA_HDRLEN, text, strlen (text) + 1);
  m.h.nlmsg_len = (uint32_t) (sizeof m.h + sizeof m.e + NLA_ALIGN (a->nla_len));
  ok (sie_nl_parse_error (&m.h, msg, sizeof msg) == EEXIST, "capped error: errno");
  is_str (msg, text, "capped error: the extended ack message");

  m.h.nlmsg_flags = 0;
  ok (sie_nl_parse_error (&m.h, msg, sizeof msg) == EEXIST && msg[0] == '\0',
      "without ack TLVs: errno alone");
  m.e.error = 0;
  ok (sie_nl_parse_error (&m.h, msg, sizeof msg) == 0, "an ACK is 0");
  m.h.nlmsg_len = sizeof m.h + 2;
  ok (sie_nl_parse_error (&m.h, msg, sizeof msg) < 0, "a truncated error is malformed");
}

/* ------------------------------------------------------------ text forms */

static void
test_text (void)
{
  struct sie_addr a;
  unsigned char mac[8];
  char text[64];

  ok (sie_addr_from_text ("10.9.0.2/24", &a) == 0 && a.family == AF_INET && a.prefixlen == 24,
      "10.9.0.2/24 parses");
  sie_addr_format (&a, text, sizeof text);
  is_str (text, "10.9.0.2/24", "and formats back");
  ok (sie_addr_from_text ("fd00::1", &a) == 0 && a.family == AF_INET6 && a.prefixlen == 128,
      "no prefix: a host address");
  ok (sie_addr_from_text ("10.0.0.1/33", &a) < 0 && sie_addr_from_text ("10.0.0/8", &a) < 0
          && sie_addr_from_text ("/8", &a) < 0 && sie_addr_from_text ("fd00::1/64x", &a) < 0,
      "bad addresses are refused");
  ok (sie_mac_parse ("02:42:ac:11:00:02", mac, sizeof mac) == 6 && mac[2] == 0xac,
      "MAC parses");
  sie_mac_format (mac, 6, text, sizeof text);
  is_str (text, "02:42:ac:11:00:02", "MAC formats back");
  ok (sie_mac_parse ("02:42:", mac, sizeof mac) < 0 && sie_mac_parse ("0g:00", mac, sizeof mac) < 0
          && sie_mac_parse ("", mac, sizeof mac) < 0,
      "bad MACs are refused");
  ok (sie_netdev_name_valid ("eth0", false) && sie_netdev_name_valid ("a.b-c_d", false)
          && sie_netdev_name_valid ("ctr%d", true),
      "valid interface names");
  ok (!sie_netdev_name_valid ("", false) && !sie_netdev_name_valid (".", false)
          && !sie_netdev_name_valid ("..", false) && !sie_netdev_name_valid ("a/b", false)
          && !sie_netdev_name_valid ("a:b", false) && !sie_netdev_name_valid ("a b", false)
          && !sie_netdev_name_valid ("0123456789abcdef", false)
          && !sie_netdev_name_valid ("ctr%d", false) && !sie_netdev_name_valid ("c%d%d", true)
          && !sie_netdev_name_valid ("c%s", true),
      "invalid names: empty, dots, '/', ':', space, 16 characters, bad templates");
}

static void
test_journal (void)
{
  struct sie_addr addrs[2];
  struct sie_netdev_record in[2] = {
    { .host_name = "eth1", .name = "ctr%d", .index = 7, .was_up = true, .mac_len = 6,
      .mac = { 2, 0, 0, 0xaa, 0xbb, 0xcc }, .addrs = addrs, .n_addrs = 2 },
    { .host_name = "veth9", .name = "veth9", .index = 12, .was_up = false },
  };
  struct sie_netdev_journal j = {
    .host_ns_dev = 4, .host_ns_ino = 4026531840ull, .recs = in, .n = 2,
  };
  struct sie_netdev_journal back;
  struct sie_netdev_record *out;
  sie_error_t err = NULL;
  char *text = NULL;
  size_t n;

  sie_addr_from_text ("10.9.0.2/24", &addrs[0]);
  inet_pton (AF_INET, "10.9.0.255", addrs[0].broadcast);
  addrs[0].has_broadcast = true;
  sie_addr_from_text ("fd00:9::2/64", &addrs[1]);
  addrs[1].flags = IFA_F_NODAD;
  ok (sie_netdev_journal_format (&j, &text, &err) == 0, "journal formats");
  is_str (text,
          "sie-netdevices 1\n"
          "host 4 4026531840\n"
          "dev eth1 ctr%d 7 up 02:00:00:aa:bb:cc\n"
          "addr 10.9.0.2/24 0x0 0 - 10.9.0.255\n"
          "addr fd00:9::2/64 0x2 0 - -\n"
          "dev veth9 veth9 12 down -\n",
          "journal text");
  ok (sie_netdev_journal_parse (text, &back, &err) == 0 && back.n == 2
          && back.host_ns_dev == 4 && back.host_ns_ino == 4026531840ull,
      "journal parses back, with the host namespace");
  out = back.recs;
  n = back.n;
  ok (out && strcmp (out[0].host_name, "eth1") == 0 && strcmp (out[0].name, "ctr%d") == 0
          && out[0].index == 7 && out[0].was_up && out[0].mac_len == 6 && out[0].mac[3] == 0xaa,
      "device line round trip");
  ok (out && out[0].n_addrs == 2 && out[0].addrs[0].has_broadcast
          && memcmp (out[0].addrs[0].broadcast, addrs[0].broadcast, 4) == 0
          && out[0].addrs[1].family == AF_INET6 && out[0].addrs[1].flags == IFA_F_NODAD
          && memcmp (out[0].addrs[1].addr, addrs[1].addr, 16) == 0,
      "address lines round trip");
  ok (out && n == 2 && out[1].n_addrs == 0 && !out[1].was_up && out[1].mac_len == 0,
      "a device without MAC or addresses");
  sie_netdev_journal_free (&back);
  free (text);

  ok (sie_netdev_journal_parse ("nonsense\n", &back, &err) < 0, "a foreign file is refused");
  sie_error_release (&err);
  ok (sie_netdev_journal_parse ("sie-netdevices 1\nhost 1 2\naddr 10.0.0.1/8 0x0 0 - -\n", &back,
                                &err) < 0,
      "an address before any device is refused");
  sie_error_release (&err);
  ok (sie_netdev_journal_parse ("sie-netdevices 1\nhost 1 2\ndev a/b x 1 up -\n", &back, &err) < 0
          && err && strstr (err->msg, "line 3"),
      "a bad name is refused with its line");
  sie_error_release (&err);
  ok (sie_netdev_journal_parse ("sie-netdevices 1\ndev eth0 eth0 1 up -\n", &back, &err) < 0,
      "a journal without the host line is refused");
  sie_error_release (&err);
}

/* ------------------------------------------------------------ against the kernel */

#define CHECK(cond, step)                                                                \
  do                                                                                     \
    {                                                                                    \
      if (!(cond))                                                                       \
        {                                                                                \
          fprintf (stderr, "# step %d failed: %s%s%s\n", step, #cond, err ? ": " : "",   \
                   err ? err->msg : "");                                                 \
          return step;                                                                   \
        }                                                                                \
    }                                                                                    \
  while (0)

static const struct sie_link *
find (const struct sie_link *l, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (l[i].name, name) == 0)
      return &l[i];
  return NULL;
}

/* In a netns of its own; returns 0 or the failing step. */
static int
kernel_round_trip (int other_ns, pid_t other_pid)
{
  cleanup_nl struct sie_nl nl = { 0 };
  cleanup_nl struct sie_nl other = { 0 };
  sie_error_t err = NULL;
  struct sie_link *links = NULL, l;
  struct sie_addr *addrs = NULL, a;
  struct sie_route *routes = NULL, r = { 0 };
  const unsigned char mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
  size_t n = 0;
  int tap_fd = -1;
  char tap[IFNAMSIZ];
  bool found = false;

  CHECK (sie_nl_open (&nl, &err) == 0 && sie_nl_open_in (&other, other_ns, &err) == 0, 1);
  CHECK (sie_veth_create (&nl, "ta", "tb", -1, &err) == 0, 2);
  CHECK (sie_veth_create (&nl, "ta", "tc", -1, &err) < 0 && err->status == EEXIST, 3);
  sie_error_release (&err);
  CHECK (sie_link_get (&nl, "ta", &l, &err) == 0 && strcmp (l.kind, "veth") == 0, 4);
  CHECK (sie_link_rename (&nl, l.index, "ta2", &err) == 0, 5);
  CHECK (sie_link_set_mtu (&nl, l.index, 1400, &err) == 0, 6);
  CHECK (sie_link_set_mac (&nl, l.index, mac, 6, &err) == 0, 7);
  CHECK (sie_link_set_up (&nl, l.index, true, &err) == 0, 8);
  CHECK (sie_link_list (&nl, &links, &n, &err) == 0 && find (links, n, "ta2")
             && find (links, n, "tb"), 9);
  l = *find (links, n, "ta2");
  free (links);
  CHECK (l.mtu == 1400 && l.mac_len == 6 && memcmp (l.mac, mac, 6) == 0 && (l.flags & IFF_UP), 10);
  CHECK (sie_link_get (&nl, "nothere", &l, &err) < 0 && err->status == ENODEV, 11);
  sie_error_release (&err);
  CHECK (sie_link_get (&nl, "ta2", &l, &err) == 0, 12);

  sie_addr_from_text ("10.77.0.2/24", &a);
  a.index = l.index;
  CHECK (sie_addr_add (&nl, &a, &err) == 0, 13);
  CHECK (sie_addr_add (&nl, &a, &err) < 0 && err->status == EEXIST, 14);
  sie_error_release (&err);
  sie_addr_from_text ("fd00:77::2/64", &a);
  a.index = l.index;
  a.flags = IFA_F_NODAD;
  CHECK (sie_addr_add (&nl, &a, &err) == 0, 15);
  CHECK (sie_addr_list (&nl, l.index, AF_UNSPEC, &addrs, &n, &err) == 0, 16);
  for (size_t i = 0; i < n; i++)
    found |= addrs[i].family == AF_INET6 && memcmp (addrs[i].addr, a.addr, 16) == 0
             && (addrs[i].flags & IFA_F_NODAD) && (addrs[i].flags & IFA_F_PERMANENT);
  free (addrs);
  CHECK (found && n >= 2, 17);

  r.family = AF_INET;
  r.has_dst = true;
  r.dst_len = 16;
  inet_pton (AF_INET, "10.88.0.0", r.dst);
  r.has_gateway = true;
  inet_pton (AF_INET, "10.77.0.1", r.gateway);
  r.oif = l.index;
  CHECK (sie_route_add (&nl, &r, &err) == 0, 18);
  CHECK (sie_route_list (&nl, AF_INET, &routes, &n, &err) == 0, 19);
  found = false;
  for (size_t i = 0; i < n; i++)
    found |= routes[i].has_dst && routes[i].dst_len == 16 && memcmp (routes[i].dst, r.dst, 4) == 0
             && routes[i].has_gateway && routes[i].oif == l.index
             && routes[i].protocol == RTPROT_BOOT;
  free (routes);
  CHECK (found, 20);
  CHECK (sie_route_del (&nl, &r, &err) == 0, 21);

  CHECK (sie_tap_create (-1, "tt%d", &tap_fd, tap, &err) == 0 && strcmp (tap, "tt0") == 0, 22);
  CHECK (sie_tap_create (-1, "tt0", NULL, NULL, &err) < 0 && err->status == EEXIST, 23);
  sie_error_release (&err);
  CHECK (sie_tap_create (-1, "tp", NULL, tap, &err) == 0, 24);
  {
    int fd = sie_tap_attach (-1, "tp", &err);
    CHECK (fd >= 0, 25);
    close (fd);
  }
  CHECK (sie_link_get (&nl, "tp", &l, &err) == 0 && strcmp (l.kind, "tun") == 0, 26);
  CHECK (sie_link_delete (&nl, l.index, &err) == 0, 27);
  CHECK (sie_link_get (&nl, "tt0", &l, &err) == 0, 28);
  close (tap_fd);
  CHECK (sie_link_get (&nl, "tt0", &l, &err) < 0, 29); /* went with its fd */
  sie_error_release (&err);

  CHECK (sie_link_get (&nl, "ta2", &l, &err) == 0, 30);
  {
    struct sie_link tb;
    CHECK (sie_link_get (&nl, "tb", &tb, &err) == 0, 31);
    CHECK (sie_tc_ingress_add (&nl, l.index, &err) == 0, 32);
    CHECK (sie_tc_ingress_add (&nl, l.index, &err) < 0 && err->status == EEXIST, 33);
    sie_error_release (&err);
    CHECK (sie_tc_redirect_add (&nl, l.index, tb.index, &err) == 0, 34);
    CHECK (sie_tc_ingress_del (&nl, l.index, &err) == 0, 35);
  }

  /* Moves: by fd with a rename, then back by pid. */
  CHECK (sie_link_move (&nl, l.index, other_ns, "moved", &err) == 0, 36);
  CHECK (sie_link_get (&nl, "ta2", &l, &err) < 0, 37);
  sie_error_release (&err);
  CHECK (sie_link_get (&other, "moved", &l, &err) == 0 && !(l.flags & IFF_UP), 38);
  CHECK (sie_addr_list (&other, l.index, AF_INET, &addrs, &n, &err) == 0 && n == 0, 39);
  free (addrs);
  CHECK (sie_link_move_pid (&other, l.index, getpid (), "back", &err) == 0, 40);
  CHECK (sie_link_get (&nl, "back", &l, &err) == 0, 41);
  CHECK (sie_link_move_pid (&nl, l.index, other_pid, NULL, &err) == 0, 42);
  CHECK (sie_link_get (&other, "back", &l, &err) == 0, 43);
  CHECK (sie_link_delete (&other, l.index, &err) == 0, 44);
  CHECK (sie_link_get (&nl, "tb", &l, &err) < 0, 45); /* the peer went with it */
  sie_error_release (&err);
  return 0;
}

/* The tc bridge on a veth of a namespace, and its teardown. */
static int
bridge_round_trip (void)
{
  cleanup_nl struct sie_nl nl = { 0 };
  sie_error_t err = NULL;
  struct sie_tcbridge b;
  struct sie_link l, tap;
  struct sie_addr a;
  struct sie_link *links = NULL;
  size_t n = 0;

  CHECK (sie_nl_open (&nl, &err) == 0 && sie_veth_create (&nl, "bc", "bp", -1, &err) == 0, 50);
  CHECK (sie_link_get (&nl, "bc", &l, &err) == 0, 51);
  sie_addr_from_text ("10.66.0.2/24", &a);
  a.index = l.index;
  CHECK (sie_addr_add (&nl, &a, &err) == 0 && sie_link_set_up (&nl, l.index, true, &err) == 0, 52);
  /* bp is bridged too: two nics, two taps. */
  CHECK (sie_tcbridge_setup (-1, false, &b, &err) == 0 && b.n == 2, 53);
  CHECK (b.nics[0].tap_fd >= 0 && b.nics[1].tap_fd >= 0, 54);
  for (size_t i = 0; i < b.n; i++)
    if (strcmp (b.nics[i].name, "bc") == 0)
      {
        CHECK (b.nics[i].n_addrs == 1 && b.nics[i].mtu == l.mtu
                   && memcmp (b.nics[i].mac, l.mac, 6) == 0, 55);
        CHECK (sie_link_get (&nl, b.nics[i].tap, &tap, &err) == 0 && (tap.flags & IFF_UP), 56);
      }
  CHECK (sie_tcbridge_setup (-1, false, &(struct sie_tcbridge){ 0 }, &err) < 0
             && strstr (err->msg, "ingress qdisc already"), 57);
  sie_error_release (&err);
  CHECK (sie_link_list (&nl, &links, &n, &err) == 0 && n == 5, 58); /* lo, bc, bp, 2 taps */
  free (links);
  CHECK (sie_tcbridge_teardown (-1, &b, &err) == 0 && b.n == 0, 59);
  CHECK (sie_link_list (&nl, &links, &n, &err) == 0 && n == 3, 60);
  free (links);
  CHECK (sie_tc_ingress_add (&nl, l.index, &err) == 0, 61); /* the qdisc was gone */
  CHECK (sie_link_get (&nl, "bp", &l, &err) == 0 && !(l.flags & IFF_UP), 62); /* set down again */
  return 0;
}

static int
kernel_child (void)
{
  int other_ns, step;
  pid_t holder;
  int p[2];

  if (unshare (CLONE_NEWNET) < 0)
    return 100;
  if (pipe (p) < 0)
    return 101;
  /* A second namespace, held by a child that waits for the pipe to close. */
  holder = fork ();
  if (holder == 0)
    {
      char c;
      close (p[1]);
      if (unshare (CLONE_NEWNET) < 0)
        _exit (1);
      (void) !read (p[0], &c, 1);
      _exit (0);
    }
  close (p[0]);
  for (int i = 0; i < 100; i++)
    {
      char path[64], a[64], b[64];
      ssize_t la, lb;
      snprintf (path, sizeof path, "/proc/%d/ns/net", holder);
      la = readlink (path, a, sizeof a - 1);
      lb = readlink ("/proc/self/ns/net", b, sizeof b - 1);
      if (la > 0 && lb > 0 && (la != lb || memcmp (a, b, (size_t) la) != 0))
        break;
      usleep (10000);
    }
  {
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/ns/net", holder);
    other_ns = open (path, O_RDONLY | O_CLOEXEC);
  }
  step = other_ns < 0 ? 102 : kernel_round_trip (other_ns, holder);
  if (step == 0)
    step = bridge_round_trip ();
  close (p[1]);
  waitpid (holder, NULL, 0);
  return step;
}

static void
test_kernel (void)
{
  int status = 0;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    _exit (kernel_child ());
  ok (pid > 0 && waitpid (pid, &status, 0) == pid, "kernel round trip ran");
  if (WIFEXITED (status) && WEXITSTATUS (status) == 100)
    {
      printf ("ok %d # SKIP cannot unshare a network namespace here\n", ++tap_n);
      return;
    }
  ok (WIFEXITED (status) && WEXITSTATUS (status) < 50,
      "links, addresses, routes, taps, tc and moves against the kernel (failed step %d)",
      WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  ok (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "tc bridge setup, refusal and teardown against the kernel (failed step %d)",
      WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

int
main (void)
{
  test_link_up_bytes ();
  test_link_move_attrs ();
  test_veth ();
  test_addr_build ();
  test_route_build ();
  test_tc_ingress ();
  test_tc_redirect ();
  test_link_parse ();
  test_addr_parse ();
  test_route_parse ();
  test_error_parse ();
  test_text ();
  test_journal ();
  test_kernel ();
  return tap_done ();
}
