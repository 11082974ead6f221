/* linux.netDevices: the checks, the move in at create, the move back at
 * delete.  As runc: the permanent global addresses are read before the
 * move (the kernel drops them on the way) and added again inside, and the
 * device is set up there.  Unlike runc, the devices come back at delete
 * under their host names, with their addresses and up state. */
#include "netns/netdevices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

/* Address flags worth carrying across; the others the kernel sets itself. */
#define KEPT_ADDR_FLAGS                                                                            \
  (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE | IFA_F_MANAGETEMPADDR)

static const char *
inside_name (const struct sie_net_device *d)
{
  return d->name && *d->name ? d->name : d->host_name;
}

static bool
is_template (const char *name)
{
  return strchr (name, '%') != NULL;
}

static const struct sie_link *
find_link (const struct sie_link *links, size_t n, const char *name, int index)
{
  for (size_t i = 0; i < n; i++)
    if (name ? strcmp (links[i].name, name) == 0 : links[i].index == index)
      return &links[i];
  return NULL;
}

/* ---------------------------------------------------------------- checks */

static int
check_names (const struct sie_linux *l, sie_error_t *err)
{
  for (size_t i = 0; i < l->n_net_devices; i++)
    {
      const struct sie_net_device *d = &l->net_devices[i];

      if (!sie_netdev_name_valid (d->host_name, false))
        return sie_error (err, 0, "linux.netDevices: \"%s\": not a valid interface name (1 to %d "
                                  "characters, no '/', ':' or space)", d->host_name, IFNAMSIZ - 1);
      if (d->name && *d->name && !sie_netdev_name_valid (d->name, true))
        return sie_error (err, 0, "linux.netDevices.%s.name: \"%s\": not a valid interface name "
                                  "(1 to %d characters, no '/', ':' or space, one %%d at most)",
                          d->host_name, d->name, IFNAMSIZ - 1);
      for (size_t j = 0; j < i; j++)
        if (strcmp (inside_name (&l->net_devices[j]), inside_name (d)) == 0
            && !is_template (inside_name (d)))
          return sie_error (err, 0, "linux.netDevices.%s: the name %s is also the one of "
                                    "linux.netDevices.%s inside the container",
                            d->host_name, inside_name (d), l->net_devices[j].host_name);
    }
  return 0;
}

static bool
same_file (int fd, const char *path)
{
  struct stat a, b;

  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

static int
check_namespace (const struct sie_ns_plan *plan, sie_error_t *err)
{
  int join = plan->join_fd[SIE_NS_NETWORK];

  if (!plan->is_new[SIE_NS_NETWORK] && join < 0)
    return sie_error (err, 0, "linux.netDevices: the container has no network namespace of its "
                              "own (linux.namespaces needs a \"network\" entry)");
  if (join >= 0 && same_file (join, "/proc/thread-self/ns/net"))
    return sie_error (err, 0, "linux.netDevices: the network namespace to join is sie's own: "
                              "the devices cannot move into it");
  return 0;
}

/* In use: a port of a bridge or bond would silently leave it on the move;
 * the loopback cannot move (the kernel refuses other namespace-local
 * devices with its own message). */
static int
check_host_link (const struct sie_link *links, size_t n, const char *host_name, sie_error_t *err)
{
  const struct sie_link *l = find_link (links, n, host_name, 0);
  const struct sie_link *master;

  if (l == NULL)
    return sie_error (err, ENODEV, "linux.netDevices.%s: no such interface in sie's network "
                                   "namespace (missing, or in another container already)",
                      host_name);
  if (l->flags & IFF_LOOPBACK)
    return sie_error (err, EINVAL, "linux.netDevices.%s: the loopback interface cannot move",
                      host_name);
  if (l->master)
    {
      master = find_link (links, n, NULL, l->master);
      return sie_error (err, EBUSY, "linux.netDevices.%s: in use: it is a port of %s", host_name,
                        master ? master->name : "another interface");
    }
  return 0;
}

static int
check_host_links (struct sie_nl *nl, const struct sie_linux *l, sie_error_t *err)
{
  struct sie_link *links = NULL;
  size_t n = 0;
  int ret = 0;

  if (sie_link_list (nl, &links, &n, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  for (size_t i = 0; i < l->n_net_devices && ret == 0; i++)
    ret = check_host_link (links, n, l->net_devices[i].host_name, err);
  free (links);
  return ret;
}

int
sie_netdevices_check (const struct sie_linux *l, const struct sie_ns_plan *plan,
                      sie_error_t *err)
{
  cleanup_nl struct sie_nl nl = { 0 };

  if (l->n_net_devices == 0)
    return 0;
  if (check_names (l, err) < 0 || check_namespace (plan, err) < 0)
    return -1;
  if (sie_nl_open (&nl, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  return check_host_links (&nl, l, err);
}

/* ---------------------------------------------------------------- records */

static bool
mac_equal (const struct sie_link *l, const struct sie_netdev_record *r)
{
  return l->mac_len == r->mac_len && memcmp (l->mac, r->mac, r->mac_len) == 0;
}

/* The device of a record among links: by one of its names, else (after
 * a template rename) by its index; the MAC must match either way. */
static const struct sie_link *
find_record (const struct sie_link *links, size_t n, const struct sie_netdev_record *r)
{
  for (size_t i = 0; i < n; i++)
    if (mac_equal (&links[i], r)
        && (strcmp (links[i].name, r->name) == 0 || strcmp (links[i].name, r->host_name) == 0))
      return &links[i];
  for (size_t i = 0; i < n; i++)
    if (mac_equal (&links[i], r) && links[i].index == r->index)
      return &links[i];
  return NULL;
}

/* What the spec asks to keep: permanent addresses of global scope. */
static int
carried_addrs (struct sie_nl *nl, struct sie_netdev_record *r, sie_error_t *err)
{
  struct sie_addr *all = NULL;
  size_t n = 0, cap = 0;
  int ret = 0;

  if (sie_addr_list (nl, r->index, AF_UNSPEC, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      struct sie_addr a = all[i];

      if (!(a.flags & IFA_F_PERMANENT) || a.scope != RT_SCOPE_UNIVERSE)
        continue;
      a.flags &= KEPT_ADDR_FLAGS;
      a.index = 0;
      if (sie_nl_append ((void **) &r->addrs, &r->n_addrs, &cap, &a, sizeof a) < 0)
        ret = sie_error (err, errno, "addresses");
    }
  free (all);
  return ret;
}

static int
make_record (struct sie_nl *host, const struct sie_link *links, size_t n,
             const struct sie_net_device *d, struct sie_netdev_record *r, sie_error_t *err)
{
  const struct sie_link *h = find_link (links, n, d->host_name, 0);

  if (check_host_link (links, n, d->host_name, err) < 0)
    return -1;
  snprintf (r->host_name, sizeof r->host_name, "%s", d->host_name);
  snprintf (r->name, sizeof r->name, "%s", inside_name (d));
  r->index = h->index;
  r->was_up = (h->flags & IFF_UP) != 0;
  memcpy (r->mac, h->mac, h->mac_len);
  r->mac_len = h->mac_len;
  if (carried_addrs (host, r, err) < 0)
    return sie_error_prefix (err, "linux.netDevices.%s", d->host_name);
  return 0;
}

/* The host side of every device, read again now that the container's
 * namespace exists: the check at validation may be stale. */
static int
make_records (struct sie_nl *host, const struct sie_linux *l, struct sie_netdev_record *recs,
              sie_error_t *err)
{
  struct sie_link *links = NULL;
  size_t n = 0;
  int ret = 0;

  if (sie_link_list (host, &links, &n, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  for (size_t i = 0; i < l->n_net_devices && ret == 0; i++)
    ret = make_record (host, links, n, &l->net_devices[i], &recs[i], err);
  free (links);
  return ret;
}

/* The kernel would move a device whose new name is taken inside and only
 * then fail the rename, so clashes are found before anything moves. */
static int
check_clashes (struct sie_nl *ctr, const struct sie_netdev_record *recs, size_t n,
               sie_error_t *err)
{
  struct sie_link *links = NULL;
  size_t n_links = 0;
  int ret = 0;

  if (sie_link_list (ctr, &links, &n_links, err) < 0)
    return sie_error_prefix (err, "linux.netDevices: the container's network namespace");
  for (size_t i = 0; i < n && ret == 0; i++)
    if (!is_template (recs[i].name) && find_link (links, n_links, recs[i].name, 0))
      ret = sie_error (err, EEXIST, "linux.netDevices.%s: the name %s is taken in the "
                                    "container's network namespace", recs[i].host_name,
                       recs[i].name);
  free (links);
  return ret;
}

/* ---------------------------------------------------------------- pin, journal */

static int
pin_netns (int netns_fd, int dirfd, sie_error_t *err)
{
  char src[64], dst[64];
  int fd = openat (dirfd, SIE_NETNS_PIN, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    return sie_error (err, errno, "linux.netDevices: create %s in the state directory",
                      SIE_NETNS_PIN);
  close (fd);
  snprintf (src, sizeof src, "/proc/self/fd/%d", netns_fd);
  snprintf (dst, sizeof dst, "/proc/self/fd/%d/%s", dirfd, SIE_NETNS_PIN);
  if (mount (src, dst, NULL, MS_BIND, NULL) < 0)
    return sie_error (err, errno, "linux.netDevices: pin the container's network namespace");
  return 0;
}

/* The pinned namespace, or -1 when there is none (never pinned, or the
 * pin was removed from outside). */
static int
open_pin (int dirfd)
{
  struct statfs sfs;
  int fd = openat (dirfd, SIE_NETNS_PIN, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (fd >= 0 && (fstatfs (fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC))
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

static void
unpin (int dirfd)
{
  char path[64];

  snprintf (path, sizeof path, "/proc/self/fd/%d/%s", dirfd, SIE_NETNS_PIN);
  umount2 (path, MNT_DETACH);
  unlinkat (dirfd, SIE_NETNS_PIN, 0);
}

static int
journal_write (int dirfd, const struct sie_netdev_journal *j, sie_error_t *err)
{
  cleanup_free char *text = NULL;

  if (sie_netdev_journal_format (j, &text, err) < 0
      || sie_write_file_atomic_at (dirfd, SIE_NETDEVICES_FILE, text, strlen (text), 0600, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  return 0;
}

static int
journal_read (int dirfd, struct sie_netdev_journal *j, sie_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  memset (j, 0, sizeof *j);
  if (sie_read_file_at (dirfd, SIE_NETDEVICES_FILE, 1 << 20, &text, &len, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return sie_error_prefix (err, "linux.netDevices");
      sie_error_release (err);
      return 0;
    }
  if (sie_netdev_journal_parse (text, j, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  return 0;
}

/* ---------------------------------------------------------------- move in */

static int
add_addrs (struct sie_nl *nl, int index, const struct sie_netdev_record *r, bool exist_ok,
           sie_error_t *err)
{
  for (size_t i = 0; i < r->n_addrs; i++)
    {
      struct sie_addr a = r->addrs[i];

      a.index = index;
      if (sie_addr_add (nl, &a, err) < 0)
        {
          if (!exist_ok || (*err)->status != EEXIST)
            return -1;
          sie_error_release (err);
        }
    }
  return 0;
}

static int
move_in (struct sie_nl *host, struct sie_nl *ctr, int netns_fd, struct sie_netdev_record *r,
         bool *renamed, sie_error_t *err)
{
  struct sie_link *links = NULL;
  const struct sie_link *l;
  size_t n = 0;
  int ret;

  sie_debug ("netDevices: moving %s in as %s", r->host_name, r->name);
  if (sie_link_move (host, r->index, netns_fd, r->name, err) < 0)
    return -1;
  if (sie_link_list (ctr, &links, &n, err) < 0)
    return -1;
  l = find_record (links, n, r);
  if (l == NULL)
    ret = sie_error (err, ENODEV, "not found in the container's network namespace after the move");
  else
    {
      *renamed = strcmp (l->name, r->name) != 0;
      snprintf (r->name, sizeof r->name, "%s", l->name);
      ret = add_addrs (ctr, l->index, r, false, err);
      if (ret == 0)
        ret = sie_link_set_up (ctr, l->index, true, err);
    }
  free (links);
  return ret;
}

/* The identity of the calling thread's network namespace. */
static int
own_netns (unsigned long long *dev, unsigned long long *ino, sie_error_t *err)
{
  struct stat st;

  if (stat ("/proc/thread-self/ns/net", &st) < 0)
    return sie_error (err, errno, "linux.netDevices: stat /proc/thread-self/ns/net");
  *dev = st.st_dev;
  *ino = st.st_ino;
  return 0;
}

static int
attach_all (const struct sie_linux *l, int netns_fd, int dirfd, struct sie_netdev_journal *j,
            sie_error_t *err)
{
  cleanup_nl struct sie_nl host = { 0 };
  cleanup_nl struct sie_nl ctr = { 0 };

  if (own_netns (&j->host_ns_dev, &j->host_ns_ino, err) < 0)
    return -1;
  if (sie_nl_open (&host, err) < 0 || sie_nl_open_in (&ctr, netns_fd, err) < 0)
    return sie_error_prefix (err, "linux.netDevices");
  if (make_records (&host, l, j->recs, err) < 0 || check_clashes (&ctr, j->recs, j->n, err) < 0)
    return -1;
  if (pin_netns (netns_fd, dirfd, err) < 0 || journal_write (dirfd, j, err) < 0)
    return -1;
  for (size_t i = 0; i < j->n; i++)
    {
      bool renamed = false;

      if (move_in (&host, &ctr, netns_fd, &j->recs[i], &renamed, err) < 0)
        return sie_error_prefix (err, "linux.netDevices.%s", j->recs[i].host_name);
      /* A template's pick must be known to find the device again. */
      if (renamed && journal_write (dirfd, j, err) < 0)
        return -1;
    }
  return 0;
}

int
sie_netdevices_attach (const struct sie_linux *l, int netns_fd, int dirfd, sie_error_t *err)
{
  struct sie_netdev_journal j = { 0 };
  int ret;

  if (l->n_net_devices == 0)
    return 0;
  j.recs = calloc (l->n_net_devices, sizeof *j.recs);
  if (j.recs == NULL)
    return sie_error (err, errno, "linux.netDevices");
  j.n = l->n_net_devices;
  ret = attach_all (l, netns_fd, dirfd, &j, err);
  sie_netdev_journal_free (&j);
  if (ret < 0)
    {
      sie_error_t ignored = NULL;
      sie_netdevices_release (dirfd, true, &ignored);
      sie_error_release (&ignored);
    }
  return ret;
}

/* ---------------------------------------------------------------- move back */

struct back_ctx
{
  struct sie_nl host;
  struct sie_nl ctr; /* sock NULL: the namespace is gone */
  int host_ns_fd;
};

static int
move_out (struct back_ctx *b, const struct sie_netdev_record *r, sie_error_t *err)
{
  struct sie_link *links = NULL;
  const struct sie_link *l;
  size_t n = 0;
  int ret = 0;

  if (sie_link_list (&b->ctr, &links, &n, err) < 0)
    return -1;
  l = find_record (links, n, r);
  if (l)
    {
      sie_debug ("netDevices: moving %s back as %s", l->name, r->host_name);
      ret = sie_link_move (&b->ctr, l->index, b->host_ns_fd, r->host_name, err);
      if (ret < 0 && (*err)->status == EEXIST)
        ret = sie_error_prefix (err, "move back to the host: an interface named %s or %s "
                                     "exists there now", r->host_name, l->name);
      else if (ret < 0)
        ret = sie_error_prefix (err, "move back to the host");
    }
  free (links);
  return ret;
}

/* On the host now (or never moved): its name, addresses and up state. */
static int
restore_on_host (struct back_ctx *b, const struct sie_netdev_record *r, sie_error_t *err)
{
  struct sie_link *links = NULL, h = { 0 };
  const struct sie_link *found;
  size_t n = 0;

  if (sie_link_list (&b->host, &links, &n, err) < 0)
    return -1;
  found = find_record (links, n, r);
  if (found)
    h = *found;
  free (links);
  if (found == NULL)
    return sie_error (err, ENODEV, "found neither in the container nor on the host");
  /* A namespace that died returns a physical device under its inside name. */
  if (strcmp (h.name, r->host_name) != 0
      && sie_link_rename (&b->host, h.index, r->host_name, err) < 0)
    return -1;
  if (add_addrs (&b->host, h.index, r, true, err) < 0)
    return -1;
  if (r->was_up && !(h.flags & IFF_UP))
    return sie_link_set_up (&b->host, h.index, true, err);
  return 0;
}

static void
back_ctx_close (struct back_ctx *b)
{
  sie_nl_close (&b->host);
  sie_nl_close (&b->ctr);
  if (b->host_ns_fd >= 0)
    close (b->host_ns_fd);
}

/* Every device is tried; the first failure is reported, the others
 * logged as warnings. */
static void
bring_back (const struct sie_netdev_record *recs, size_t n, int netns_fd, sie_error_t *first)
{
  struct back_ctx b = { .host_ns_fd = -1 };

  b.host_ns_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (b.host_ns_fd < 0)
    sie_error (first, errno, "linux.netDevices: open /proc/thread-self/ns/net");
  else if (sie_nl_open (&b.host, first) < 0
           || (netns_fd >= 0 && sie_nl_open_in (&b.ctr, netns_fd, first) < 0))
    sie_error_prefix (first, "linux.netDevices");
  else
    for (size_t i = 0; i < n; i++)
      {
        sie_error_t e = NULL;

        if ((b.ctr.sock && move_out (&b, &recs[i], &e) < 0)
            || restore_on_host (&b, &recs[i], &e) < 0)
          {
            sie_error_prefix (&e, "linux.netDevices.%s", recs[i].host_name);
            if (*first == NULL)
              *first = e;
            else
              {
                sie_log_warning ("%s", e->msg);
                sie_error_release (&e);
              }
          }
      }
  back_ctx_close (&b);
}

/* Devices go back only where they came from: a delete run from another
 * network namespace would hand them to it. */
static int
check_same_host (const struct sie_netdev_journal *j, sie_error_t *err)
{
  unsigned long long dev = 0, ino = 0;

  if (own_netns (&dev, &ino, err) < 0)
    return -1;
  if (dev != j->host_ns_dev || ino != j->host_ns_ino)
    return sie_error (err, EXDEV, "linux.netDevices: sie runs in another network namespace than "
                                  "the one the devices came from (inode %llu, not %llu): they "
                                  "are not moved back from here", ino, j->host_ns_ino);
  return 0;
}

int
sie_netdevices_release (int dirfd, bool best_effort, sie_error_t *err)
{
  struct sie_netdev_journal j = { 0 };
  sie_error_t first = NULL;
  struct stat st;

  if (fstatat (dirfd, SIE_NETNS_PIN, &st, AT_SYMLINK_NOFOLLOW) < 0
      && fstatat (dirfd, SIE_NETDEVICES_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (journal_read (dirfd, &j, &first) == 0 && j.n > 0 && check_same_host (&j, &first) == 0)
    {
      cleanup_close int netns_fd = open_pin (dirfd);
      bring_back (j.recs, j.n, netns_fd, &first);
    }
  sie_netdev_journal_free (&j);
  if (first == NULL || best_effort)
    {
      unpin (dirfd);
      unlinkat (dirfd, SIE_NETDEVICES_FILE, 0);
    }
  if (first == NULL)
    return 0;
  if (err == NULL)
    {
      sie_error_release (&first);
      return -1;
    }
  *err = first;
  return -1;
}
