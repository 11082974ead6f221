/* linux.netDevices: host interfaces moved into the container's network
 * namespace at create, renamed and with their addresses, and moved back
 * at delete under their host name, with their addresses and up state.
 *
 * The container's network namespace is pinned by a bind mount in the
 * state directory (SIE_NETNS_PIN) from create to delete: without it, the
 * namespace would die with the container's last process, destroying a
 * virtual device (veth, macvlan) and returning a physical one under its
 * container name without addresses.  What was moved is journaled in
 * SIE_NETDEVICES_FILE before each move, so a delete --force after a
 * crashed create knows what to bring back. */
#ifndef SIE_NETNS_NETDEVICES_H
#define SIE_NETNS_NETDEVICES_H

#include <stdbool.h>

#include "namespaces/namespaces.h"
#include "netns/netns.h"
#include "spec/config.h"

#define SIE_NETDEVICES_FILE "netdevices"
#define SIE_NETNS_PIN "netns"

/* At create, before anything is built: the names are valid and distinct,
 * the container has a network namespace that is not sie's own, and each
 * host interface exists in sie's namespace and is not in use (a port of
 * a bridge or bond, or the loopback). */
int sie_netdevices_check (const struct sie_linux *l, const struct sie_ns_plan *plan,
                          sie_error_t *err);

/* At create, from the parent, before the init goes on: pins the namespace
 * of netns_fd in the state directory dirfd and moves every device in.  On
 * failure, what was moved is back on the host as it was. */
int sie_netdevices_attach (const struct sie_linux *l, int netns_fd, int dirfd, sie_error_t *err);

/* At delete and after a failed create: moves the journaled devices back to
 * the calling thread's namespace with their host names, addresses and up
 * state, then unpins.  Nothing journaled, nothing pinned: nothing to do.
 * On a failure, best_effort goes on and unpins anyway (the namespace then
 * dies with the container); otherwise the journal and the pin stay, so a
 * later delete can try again. */
int sie_netdevices_release (int dirfd, bool best_effort, sie_error_t *err);

/* ---- the journal (netns/netdevices_journal.c), pure for the tests ---- */

struct sie_netdev_record
{
  char host_name[IFNAMSIZ];
  char name[IFNAMSIZ]; /* inside: the config's name (maybe a %d template), or the kernel's pick */
  int index;           /* on the host, before the move */
  bool was_up;
  unsigned char mac[SIE_HWADDR_MAX];
  size_t mac_len;
  struct sie_addr *addrs; /* carried across: permanent, global scope */
  size_t n_addrs;
};

struct sie_netdev_journal
{
  /* The namespace the devices came from: they go back there only. */
  unsigned long long host_ns_dev;
  unsigned long long host_ns_ino;
  struct sie_netdev_record *recs;
  size_t n;
};

/* Text: a "host" line, then one "dev" line per device followed by its
 * "addr" lines. */
int sie_netdev_journal_format (const struct sie_netdev_journal *j, char **out, sie_error_t *err);
int sie_netdev_journal_parse (const char *text, struct sie_netdev_journal *j, sie_error_t *err);
void sie_netdev_journal_free (struct sie_netdev_journal *j);

/* The kernel's rule for interface names (dev_valid_name); a template
 * allows one "%d". */
bool sie_netdev_name_valid (const char *name, bool template_ok);

#endif
