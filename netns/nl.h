/* An rtnetlink socket bound to one network namespace, and the two round
 * trips everything else is made of: a request answered by an ACK, and a
 * dump.  The namespace is the one the socket was opened in, so every
 * operation of netns/ takes a socket rather than a namespace. */
#ifndef SIE_NETNS_NL_H
#define SIE_NETNS_NL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "util/error.h"

/* Big enough for any request netns/ builds; dumps read into their own. */
#define SIE_NL_BUF 4096
#define SIE_NL_DUMP_TRIES 5

struct sie_nl
{
  struct mnl_socket *sock;
  unsigned int portid;
  unsigned int seq;
};

/* In the calling thread's network namespace. */
int sie_nl_open (struct sie_nl *nl, sie_error_t *err);

/* In the namespace of netns_fd (-1: the current one).  The thread enters
 * it only for the socket() call: a netlink socket stays in the namespace
 * it was created in. */
int sie_nl_open_in (struct sie_nl *nl, int netns_fd, sie_error_t *err);

void sie_nl_close (struct sie_nl *nl);
#define cleanup_nl __attribute__ ((cleanup (sie_nl_close)))

/* Enters netns_fd for the calling thread; *saved is the fd to come back
 * with (-1 when netns_fd is -1, nothing to do).  sie_netns_leave closes it. */
int sie_netns_enter (int netns_fd, int *saved, sie_error_t *err);
int sie_netns_leave (int saved, sie_error_t *err);

/* A zeroed message header in buf (SIE_NL_BUF bytes) with NLM_F_REQUEST
 * added to flags; the sequence number is set when it is sent. */
struct nlmsghdr *sie_nl_msg (void *buf, uint16_t type, uint16_t flags);

/* Sends nlh with NLM_F_ACK and waits for the answer.  A kernel error is
 * "what: <extended ack message>: strerror", with errno as status. */
int sie_nl_request (struct sie_nl *nl, struct nlmsghdr *nlh, const char *what, sie_error_t *err);

/* Sends a dump request (NLM_F_DUMP is added) and calls cb for every
 * answer; cb returns MNL_CB_OK, or MNL_CB_ERROR with errno set.  Returns 1
 * when a concurrent change interrupted the dump (NLM_F_DUMP_INTR): the
 * answers may be inconsistent, and the caller starts again from empty, at
 * most SIE_NL_DUMP_TRIES times. */
int sie_nl_dump (struct sie_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
                 sie_error_t *err);

/* sie_nl_dump into a growable array (*v, *n, *cap) that cb fills: an
 * interrupted dump is thrown away and asked again, and the last of
 * SIE_NL_DUMP_TRIES is taken as it is.  On failure the array is freed. */
int sie_nl_dump_list (struct sie_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, void **v,
                      size_t *n, size_t *cap, const char *what, sie_error_t *err);

/* Appends item (size bytes) to the growable array *v of *n items; for
 * the dump callbacks.  Returns -1 with errno ENOMEM. */
int sie_nl_append (void **v, size_t *n, size_t *cap, const void *item, size_t size);

/* The errno and extended-ack text of one NLMSG_ERROR message (pure, for
 * the tests): returns the positive errno, 0 for an ACK, -1 if malformed. */
int sie_nl_parse_error (const struct nlmsghdr *nlh, char *msg, size_t msg_len);

/* Bytes of an address of this family (AF_INET, AF_INET6), 0 for others. */
static inline size_t
sie_nl_family_len (int family)
{
  return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

#endif
