/* rtnetlink round trips over libmnl: request/ACK and dump. */
#include "netns/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "util/cleanup.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Dump answers come in skbs of up to 32 KiB when the buffer allows it. */
#define DUMP_BUF 32768

int
sie_nl_open (struct sie_nl *nl, sie_error_t *err)
{
  int one = 1;

  nl->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl->sock == NULL)
    return sie_error (err, errno, "open an rtnetlink socket");
  if (mnl_socket_bind (nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      int e = errno;
      sie_nl_close (nl);
      return sie_error (err, e, "bind an rtnetlink socket");
    }
  /* The kernel's own words on a refusal make the error clear; a capped
   * ACK does not echo the request back.  Both are best effort. */
  mnl_socket_setsockopt (nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt (nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
  nl->portid = mnl_socket_get_portid (nl->sock);
  nl->seq = (unsigned int) time (NULL);
  return 0;
}

int
sie_netns_enter (int netns_fd, int *saved, sie_error_t *err)
{
  int self;

  *saved = -1;
  if (netns_fd < 0)
    return 0;
  self = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return sie_error (err, errno, "open /proc/thread-self/ns/net");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    {
      int e = errno;
      close (self);
      return sie_error (err, e, "enter the network namespace");
    }
  *saved = self;
  return 0;
}

int
sie_netns_leave (int saved, sie_error_t *err)
{
  int r, e;

  if (saved < 0)
    return 0;
  r = setns (saved, CLONE_NEWNET);
  e = errno;
  close (saved);
  if (r < 0)
    return sie_error (err, e, "return to the original network namespace");
  return 0;
}

int
sie_nl_open_in (struct sie_nl *nl, int netns_fd, sie_error_t *err)
{
  int saved, ret;

  if (sie_netns_enter (netns_fd, &saved, err) < 0)
    return -1;
  ret = sie_nl_open (nl, err);
  if (sie_netns_leave (saved, ret < 0 ? NULL : err) < 0)
    {
      sie_nl_close (nl);
      return -1;
    }
  return ret;
}

void
sie_nl_close (struct sie_nl *nl)
{
  if (nl->sock)
    mnl_socket_close (nl->sock);
  nl->sock = NULL;
}

struct nlmsghdr *
sie_nl_msg (void *buf, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh;

  memset (buf, 0, SIE_NL_BUF);
  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return nlh;
}

static int
ext_ack_attr (const struct nlattr *attr, void *data)
{
  const char **msg = data;

  if (mnl_attr_get_type (attr) == NLMSGERR_ATTR_MSG
      && mnl_attr_validate (attr, MNL_TYPE_NUL_STRING) == 0)
    *msg = mnl_attr_get_str (attr);
  return MNL_CB_OK;
}

int
sie_nl_parse_error (const struct nlmsghdr *nlh, char *msg, size_t msg_len)
{
  const struct nlmsgerr *e;
  const char *text = NULL;
  size_t payload = mnl_nlmsg_get_payload_len (nlh);
  size_t off;

  if (msg_len)
    msg[0] = '\0';
  if (nlh->nlmsg_len < NLMSG_HDRLEN || payload < sizeof *e)
    return -1;
  e = mnl_nlmsg_get_payload (nlh);
  if (e->error == 0)
    return 0;
  if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
    {
      /* The TLVs follow the echoed request, or only its header when capped. */
      off = (nlh->nlmsg_flags & NLM_F_CAPPED) ? sizeof *e
                                              : sizeof e->error + NLMSG_ALIGN (e->msg.nlmsg_len);
      if (off < payload)
        mnl_attr_parse (nlh, (unsigned int) off, ext_ack_attr, &text);
      if (text && msg_len)
        snprintf (msg, msg_len, "%s", text);
    }
  return -e->error;
}

static int
error_from (const struct nlmsghdr *nlh, const char *what, sie_error_t *err)
{
  char text[256];
  int e = sie_nl_parse_error (nlh, text, sizeof text);

  if (e == 0)
    return 0;
  if (e < 0)
    return sie_error (err, 0, "%s: malformed netlink error message", what);
  if (text[0])
    return sie_error (err, e, "%s: %s", what, text);
  return sie_error (err, e, "%s", what);
}

static int
send_msg (struct sie_nl *nl, struct nlmsghdr *nlh, const char *what, sie_error_t *err)
{
  nlh->nlmsg_seq = ++nl->seq;
  if (mnl_socket_sendto (nl->sock, nlh, nlh->nlmsg_len) < 0)
    return sie_error (err, errno, "%s: netlink send", what);
  return 0;
}

int
sie_nl_request (struct sie_nl *nl, struct nlmsghdr *nlh, const char *what, sie_error_t *err)
{
  char buf[MNL_SOCKET_BUFFER_SIZE];

  nlh->nlmsg_flags |= NLM_F_ACK;
  if (send_msg (nl, nlh, what, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl->sock, buf, sizeof buf);
      int len = (int) n;

      if (n < 0)
        return sie_error (err, errno, "%s: netlink receive", what);
      for (const struct nlmsghdr *m = (void *) buf; mnl_nlmsg_ok (m, len);
           m = mnl_nlmsg_next (m, &len))
        {
          if (!mnl_nlmsg_seq_ok (m, nlh->nlmsg_seq) || !mnl_nlmsg_portid_ok (m, nl->portid))
            continue;
          if (m->nlmsg_type == NLMSG_ERROR)
            return error_from (m, what, err);
        }
    }
}

struct dump_state
{
  mnl_cb_t cb;
  void *data;
  bool done;
  bool interrupted;
};

static int
dump_answers (struct sie_nl *nl, const char *buf, int len, unsigned int seq, struct dump_state *d,
              const char *what, sie_error_t *err)
{
  for (const struct nlmsghdr *m = (const void *) buf; mnl_nlmsg_ok (m, len);
       m = mnl_nlmsg_next (m, &len))
    {
      if (!mnl_nlmsg_seq_ok (m, seq) || !mnl_nlmsg_portid_ok (m, nl->portid))
        continue;
      if (m->nlmsg_flags & NLM_F_DUMP_INTR)
        d->interrupted = true;
      if (m->nlmsg_type == NLMSG_ERROR)
        {
          d->done = true;
          return error_from (m, what, err);
        }
      if (m->nlmsg_type == NLMSG_DONE)
        {
          const int *status = mnl_nlmsg_get_payload (m);
          d->done = true;
          if (mnl_nlmsg_get_payload_len (m) >= sizeof *status && *status < 0)
            return sie_error (err, -*status, "%s", what);
          return 0;
        }
      if (m->nlmsg_type < NLMSG_MIN_TYPE)
        continue;
      if (d->cb (m, d->data) < MNL_CB_OK)
        return sie_error (err, errno, "%s: unexpected answer", what);
    }
  return 0;
}

int
sie_nl_dump (struct sie_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
             sie_error_t *err)
{
  cleanup_free char *buf = malloc (DUMP_BUF);
  struct dump_state state = { .cb = cb, .data = data }, *d = &state;

  if (buf == NULL)
    return sie_error (err, errno, "%s", what);
  nlh->nlmsg_flags |= NLM_F_DUMP;
  if (send_msg (nl, nlh, what, err) < 0)
    return -1;
  while (!d->done)
    {
      ssize_t n = mnl_socket_recvfrom (nl->sock, buf, DUMP_BUF);

      if (n < 0)
        return sie_error (err, errno, "%s: netlink receive", what);
      if (dump_answers (nl, buf, (int) n, nlh->nlmsg_seq, d, what, err) < 0)
        return -1;
    }
  return d->interrupted ? 1 : 0;
}

int
sie_nl_dump_list (struct sie_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, void **v,
                  size_t *n, size_t *cap, const char *what, sie_error_t *err)
{
  for (int tries = 1;; tries++)
    {
      int r = sie_nl_dump (nl, nlh, cb, data, what, err);

      if (r == 0 || (r == 1 && tries >= SIE_NL_DUMP_TRIES))
        return 0;
      free (*v);
      *v = NULL;
      *n = *cap = 0;
      if (r < 0)
        return -1;
    }
}

int
sie_nl_append (void **v, size_t *n, size_t *cap, const void *item, size_t size)
{
  if (*n == *cap)
    {
      size_t new_cap = *cap ? *cap * 2 : 8;
      void *nv = reallocarray (*v, new_cap, size);

      if (nv == NULL)
        return -1;
      *v = nv;
      *cap = new_cap;
    }
  memcpy ((char *) *v + *n * size, item, size);
  (*n)++;
  return 0;
}
