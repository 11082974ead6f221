/* Links: dump, change (up/down, name, MTU, MAC, namespace), delete, veth. */
#include "netns/msg.h"
#include "netns/netns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

struct nlmsghdr *
sie_link_build_dump (void *buf)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_GETLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);

  ifi->ifi_family = AF_UNSPEC;
  return nlh;
}

struct nlmsghdr *
sie_link_build_change (void *buf, const struct sie_link_change *c)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);

  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = c->index;
  ifi->ifi_flags = c->flags & c->flags_mask;
  ifi->ifi_change = c->flags_mask;
  if (c->name)
    mnl_attr_put_strz (nlh, IFLA_IFNAME, c->name);
  if (c->mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, c->mtu);
  if (c->mac)
    mnl_attr_put (nlh, IFLA_ADDRESS, c->mac_len, c->mac);
  if (c->netns_fd >= 0)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_FD, (uint32_t) c->netns_fd);
  if (c->netns_pid > 0)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_PID, (uint32_t) c->netns_pid);
  return nlh;
}

struct nlmsghdr *
sie_link_build_delete (void *buf, int index)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_DELLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);

  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return nlh;
}

struct nlmsghdr *
sie_veth_build (void *buf, const char *name, const char *peer, int peer_netns_fd)
{
  struct nlmsghdr *nlh = sie_nl_msg (buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  struct nlattr *info, *data, *peer_nest;
  struct ifinfomsg *peer_ifi;

  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  info = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "veth");
  data = mnl_attr_nest_start (nlh, IFLA_INFO_DATA);
  /* The peer is described as a whole link message: its own ifinfomsg,
   * then its attributes, inside VETH_INFO_PEER. */
  peer_nest = mnl_attr_nest_start (nlh, VETH_INFO_PEER);
  peer_ifi = mnl_nlmsg_get_payload_tail (nlh);
  nlh->nlmsg_len += MNL_ALIGN (sizeof *peer_ifi);
  peer_ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz (nlh, IFLA_IFNAME, peer);
  if (peer_netns_fd >= 0)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
  mnl_attr_nest_end (nlh, peer_nest);
  mnl_attr_nest_end (nlh, data);
  mnl_attr_nest_end (nlh, info);
  return nlh;
}

static int
keep_attr (const struct nlattr *a, void *data, uint16_t max)
{
  const struct nlattr **tb = data;

  /* Attributes newer than these headers are skipped, not refused. */
  if (mnl_attr_type_valid (a, max) > 0)
    tb[mnl_attr_get_type (a)] = a;
  return MNL_CB_OK;
}

static int
link_attr (const struct nlattr *a, void *data)
{
  return keep_attr (a, data, IFLA_MAX);
}

static int
linkinfo_attr (const struct nlattr *a, void *data)
{
  return keep_attr (a, data, IFLA_INFO_MAX);
}

static int
parse_kind (const struct nlattr *linkinfo, struct sie_link *out)
{
  const struct nlattr *tb[IFLA_INFO_MAX + 1] = { 0 };

  if (mnl_attr_validate (linkinfo, MNL_TYPE_NESTED) < 0
      || mnl_attr_parse_nested (linkinfo, linkinfo_attr, tb) < 0)
    return -1;
  if (tb[IFLA_INFO_KIND] && mnl_attr_validate (tb[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
    snprintf (out->kind, sizeof out->kind, "%.*s",
              (int) strnlen (mnl_attr_get_payload (tb[IFLA_INFO_KIND]),
                             mnl_attr_get_payload_len (tb[IFLA_INFO_KIND])),
              (const char *) mnl_attr_get_payload (tb[IFLA_INFO_KIND]));
  return 0;
}

static bool
valid_u32 (const struct nlattr *a)
{
  return a && mnl_attr_validate (a, MNL_TYPE_U32) == 0;
}

int
sie_link_parse (const struct nlmsghdr *nlh, struct sie_link *out)
{
  const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
  const struct ifinfomsg *ifi;

  memset (out, 0, sizeof *out);
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len (nlh) < sizeof *ifi)
    return -1;
  ifi = mnl_nlmsg_get_payload (nlh);
  if (mnl_attr_parse (nlh, sizeof *ifi, link_attr, tb) < 0)
    return -1;
  if (tb[IFLA_IFNAME] == NULL || mnl_attr_validate (tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0
      || mnl_attr_get_payload_len (tb[IFLA_IFNAME]) > IFNAMSIZ)
    return -1;
  out->index = ifi->ifi_index;
  out->flags = ifi->ifi_flags;
  out->type = ifi->ifi_type;
  strcpy (out->name, mnl_attr_get_str (tb[IFLA_IFNAME]));
  if (valid_u32 (tb[IFLA_MTU]))
    out->mtu = mnl_attr_get_u32 (tb[IFLA_MTU]);
  if (valid_u32 (tb[IFLA_MASTER]))
    out->master = (int) mnl_attr_get_u32 (tb[IFLA_MASTER]);
  if (valid_u32 (tb[IFLA_LINK]))
    out->link = (int) mnl_attr_get_u32 (tb[IFLA_LINK]);
  if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len (tb[IFLA_ADDRESS]) <= SIE_HWADDR_MAX)
    {
      out->mac_len = mnl_attr_get_payload_len (tb[IFLA_ADDRESS]);
      memcpy (out->mac, mnl_attr_get_payload (tb[IFLA_ADDRESS]), out->mac_len);
    }
  if (tb[IFLA_LINKINFO] && parse_kind (tb[IFLA_LINKINFO], out) < 0)
    return -1;
  return 0;
}

struct link_vec
{
  struct sie_link *v;
  size_t n, cap;
};

static int
link_cb (const struct nlmsghdr *nlh, void *data)
{
  struct link_vec *vec = data;
  struct sie_link l;

  if (nlh->nlmsg_type != RTM_NEWLINK)
    return MNL_CB_OK;
  if (sie_link_parse (nlh, &l) < 0)
    {
      errno = EPROTO;
      return MNL_CB_ERROR;
    }
  if (sie_nl_append ((void **) &vec->v, &vec->n, &vec->cap, &l, sizeof l) < 0)
    return MNL_CB_ERROR;
  return MNL_CB_OK;
}

int
sie_link_list (struct sie_nl *nl, struct sie_link **links, size_t *n, sie_error_t *err)
{
  char buf[SIE_NL_BUF];
  struct link_vec vec = { 0 };

  if (sie_nl_dump_list (nl, sie_link_build_dump (buf), link_cb, &vec,
                        (void **) &vec.v, &vec.n, &vec.cap, "list links", err) < 0)
    return -1;
  *links = vec.v;
  *n = vec.n;
  return 0;
}

static int
link_find (struct sie_nl *nl, const char *name, int index, struct sie_link *out, sie_error_t *err)
{
  struct sie_link *links = NULL;
  size_t n = 0;
  int ret = -1;

  if (sie_link_list (nl, &links, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret < 0; i++)
    if (name ? strcmp (links[i].name, name) == 0 : links[i].index == index)
      {
        *out = links[i];
        ret = 0;
      }
  free (links);
  if (ret < 0 && name)
    return sie_error (err, ENODEV, "no link named %s", name);
  if (ret < 0)
    return sie_error (err, ENODEV, "no link with index %d", index);
  return 0;
}

int
sie_link_get (struct sie_nl *nl, const char *name, struct sie_link *out, sie_error_t *err)
{
  return link_find (nl, name, 0, out, err);
}

int
sie_link_get_index (struct sie_nl *nl, int index, struct sie_link *out, sie_error_t *err)
{
  return link_find (nl, NULL, index, out, err);
}

static int
link_change (struct sie_nl *nl, const struct sie_link_change *c, const char *what, sie_error_t *err)
{
  char buf[SIE_NL_BUF];

  return sie_nl_request (nl, sie_link_build_change (buf, c), what, err);
}

int
sie_link_set_up (struct sie_nl *nl, int index, bool up, sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);

  c.flags_mask = IFF_UP;
  c.flags = up ? IFF_UP : 0;
  return link_change (nl, &c, up ? "set link up" : "set link down", err);
}

int
sie_link_rename (struct sie_nl *nl, int index, const char *name, sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);
  char what[64];

  c.name = name;
  snprintf (what, sizeof what, "rename link to %s", name);
  return link_change (nl, &c, what, err);
}

int
sie_link_set_mtu (struct sie_nl *nl, int index, unsigned int mtu, sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);
  char what[64];

  c.mtu = mtu;
  snprintf (what, sizeof what, "set link mtu %u", mtu);
  return link_change (nl, &c, what, err);
}

int
sie_link_set_mac (struct sie_nl *nl, int index, const unsigned char *mac, size_t len,
                  sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);
  char what[3 * SIE_HWADDR_MAX + 32], text[3 * SIE_HWADDR_MAX];

  c.mac = mac;
  c.mac_len = len;
  sie_mac_format (mac, len, text, sizeof text);
  snprintf (what, sizeof what, "set link address %s", text);
  return link_change (nl, &c, what, err);
}

int
sie_link_move (struct sie_nl *nl, int index, int netns_fd, const char *new_name, sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);

  c.netns_fd = netns_fd;
  c.name = new_name;
  return link_change (nl, &c, "move link to another network namespace", err);
}

int
sie_link_move_pid (struct sie_nl *nl, int index, pid_t pid, const char *new_name,
                   sie_error_t *err)
{
  struct sie_link_change c = SIE_LINK_CHANGE_INIT (index);
  char what[80];

  c.netns_pid = pid;
  c.name = new_name;
  snprintf (what, sizeof what, "move link to the network namespace of pid %d", (int) pid);
  return link_change (nl, &c, what, err);
}

int
sie_link_delete (struct sie_nl *nl, int index, sie_error_t *err)
{
  char buf[SIE_NL_BUF];

  return sie_nl_request (nl, sie_link_build_delete (buf, index), "delete link", err);
}

int
sie_veth_create (struct sie_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                 sie_error_t *err)
{
  char buf[SIE_NL_BUF], what[80];

  snprintf (what, sizeof what, "create veth pair %s/%s", name, peer);
  return sie_nl_request (nl, sie_veth_build (buf, name, peer, peer_netns_fd), what, err);
}

void
sie_mac_format (const unsigned char *mac, size_t len, char *buf, size_t size)
{
  size_t off = 0;

  if (size)
    buf[0] = '\0';
  for (size_t i = 0; i < len; i++)
    {
      int w = snprintf (buf + off, size - off, i ? ":%02x" : "%02x", mac[i]);

      if (w < 0 || (size_t) w >= size - off)
        break;
      off += (size_t) w;
    }
}

int
sie_mac_parse (const char *text, unsigned char *mac, size_t size)
{
  size_t n = 0;

  for (const char *p = text; *p; n++)
    {
      unsigned int byte;
      int used;

      if (n == size || sscanf (p, "%2x%n", &byte, &used) != 1 || used != 2)
        return -1;
      mac[n] = (unsigned char) byte;
      p += used;
      if (*p == ':' && p[1])
        p++;
      else if (*p)
        return -1;
    }
  return n ? (int) n : -1;
}
