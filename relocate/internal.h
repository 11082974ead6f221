/* Shared inside relocate/. */
#ifndef SIE_RELOCATE_INTERNAL_H
#define SIE_RELOCATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include "relocate/relocate.h"
#include "util/error.h"

#define SIE_RELOC_STATUS_FILE "relocation.json"
#define SIE_RELOC_CPUINFO "cpuinfo.img"

uint64_t sie_now_us (void);

/* ---- facts.c: eligibility ---- */

/* The source's facts about container o->id, as a JSON object (malloc'd). */
int sie_facts_collect (const struct sie_relocate_opts *o, char **json, sie_error_t *err);
/* What the source itself checks (the destination's membership in the
 * container's domain): a verdict like the destination's. */
int sie_facts_check_source (const struct sie_relocate_opts *o, char **verdict, sie_error_t *err);
/* CRIU's cpuinfo image of this host, written into dirfd. */
int sie_facts_cpuinfo_dump (int dirfd, sie_error_t *err);
/* The destination's verdict: a JSON object {"violations": [...]}.  dirfd
 * holds the source's cpuinfo image. */
int sie_facts_check (const char *root, const char *bridge, const char *facts_json, int dirfd,
                     char **verdict, sie_error_t *err);

/* ---- netfacts.c: the network part of eligibility ---- */

struct jout;
struct sie_container_info;
typedef void (*sie_violation_fn) (void *data, const char *check, const char *detail);

/* Adds "veths", "fixed_devices" and "addresses" of the container's own
 * network namespace to the facts (nothing for a namespace joined by path). */
int sie_netfacts_collect (const struct sie_container_info *info, struct jout *o, sie_error_t *err);
/* At the destination, whose relocated veths become ports of bridge (NULL:
 * none configured). */
void sie_netfacts_check (yajl_val facts, const char *bridge, sie_violation_fn fn, void *data);
/* The veth names of the facts; *names (free it) points into facts. */
int sie_netfacts_veths (yajl_val facts, char ***names, size_t *n);

/* ---- postcopy.c: the destination's answer while CRIU serves pages ---- */

#include <netinet/in.h>
#include <pthread.h>

struct sie_postcopy_watch
{
  pthread_t thread;
  bool started;
  int sock;
  struct sockaddr_in page_server;
  uint32_t type;  /* the answer's */
  char *reply;
  sie_error_t err;
};

/* After RESTORE went out: a thread reads the answer, and if it is not
 * RESTORED, unblocks CRIU's page server should it still wait for a client. */
int sie_postcopy_watch_start (struct sie_postcopy_watch *w, int sock,
                              const struct sockaddr_in *page_server, sie_error_t *err);
/* The RESTORED answer (malloc'd), or the error: the destination's, or the
 * connection's (its status tells which). */
int sie_postcopy_watch_wait (struct sie_postcopy_watch *w, char **reply, sie_error_t *err);
void sie_postcopy_watch_release (struct sie_postcopy_watch *w);
/* ---- spool.c: the destination's files under its root ---- */

#define SIE_RELOC_SPOOL ".relocate"

/* One connection's working directory, <root>/.relocate/<pid>/, whose
 * file "lock" the handler holds locked for its whole life: a spool whose
 * lock can be taken is a dead handler's, whatever process has its pid now. */
struct sie_spool
{
  char *dir;
  int dirfd;
  int lockfd;
};

int sie_spool_make (const char *root, struct sie_spool *s, sie_error_t *err);
/* Removes the directory (never descending into a mount) and the lock. */
void sie_spool_remove (struct sie_spool *s);

/* One relocation per container ID: <root>/.relocate/<id>.lock, held
 * while it runs.  Returns the fd; a held lock is an error naming the ID. */
int sie_spool_lock_id (const char *root, const char *id, sie_error_t *err);
/* Unlinks the lock file, then lets it go. */
void sie_spool_unlock_id (const char *root, const char *id, int fd);

/* The relocated container's bundle: the spool's bundle/ moves to
 * <root>/.bundles/<id> just before the restore (a stale one there, left
 * by a relocation that never restored, is replaced; an ID some container
 * has is an error).  *path is the new place. */
int sie_reloc_bundle_place (const char *root, int spoolfd, const char *id, char **path,
                            sie_error_t *err);
/* Removes <root>/.bundles/<id> unless a container has the ID. */
void sie_reloc_bundle_remove (const char *root, const char *id);

/* At the daemon's start: removes the spools of dead handlers, ID locks
 * nobody holds, and bundles of relocations that never restored, saying so
 * on stderr.  Best effort: what cannot go stays, with a warning. */
void sie_spool_sweep (const char *root);

/* ---- cgroup_busy.c ---- */

/* Whether the cgroup a restore of id with this config (JSON) would use
 * here already holds processes, in any hierarchy: the config's
 * linux.cgroupsPath, else this process's own cgroup/<id>, resolved as
 * sie_cgroup_create does.  Returns 1 with *detail ("cgroup <dir> already
 * holds processes", malloc'd), 0 when free, -1 on error. */
int sie_relocate_cgroup_in_use (const char *id, const char *config_json, char **detail,
                                sie_error_t *err);

/* ---- transfer.c: files over the wire ---- */

struct sie_xfer_progress
{
  uint64_t bytes;
  uint64_t files;
  uint64_t pages; /* of memory: the bytes of CRIU's pages-*.img over the page size */
  /* Called between chunks; a negative return stops the transfer. */
  int (*tick) (void *data, sie_error_t *err);
  void *data;
};

/* Sends every regular file of dirfd (not recursive). */
int sie_xfer_send_dir (int sock, int dirfd, struct sie_xfer_progress *p, sie_error_t *err);
int sie_xfer_send_file (int sock, int dirfd, const char *name, struct sie_xfer_progress *p,
                        sie_error_t *err);
/* Receives one file announced by a FILE_BEGIN already read (its JSON in
 * begin): the name must be a plain file name, and *budget bytes at most
 * are accepted over the whole relocation. */
int sie_xfer_recv_file (int sock, int dirfd, const char *begin, uint64_t *budget,
                        sie_error_t *err);

/* ---- json helpers ---- */
const char *sie_json_str (yajl_val v, const char *key);
long long sie_json_int (yajl_val v, const char *key, long long dflt);
bool sie_json_bool (yajl_val v, const char *key);

/* ---- status.c ---- */
struct sie_reloc_status
{
  const char *id;
  const char *dest;
  const char *mode;
  const char *stage;
  uint64_t bytes;
  uint64_t files;
  uint64_t pages;
  uint64_t started_us;
};
int sie_reloc_status_write (int dirfd, const struct sie_reloc_status *s, sie_error_t *err);
void sie_reloc_status_remove (int dirfd);

#endif
