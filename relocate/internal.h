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

#include <pthread.h>

struct sie_postcopy_watch
{
  pthread_t thread;
  bool started;
  int sock;
  char page_server[128];
  uint32_t type;  /* the answer's */
  char *reply;
  sie_error_t err;
};

/* After RESTORE went out: a thread reads the answer, and if it is not
 * RESTORED, unblocks CRIU's page server should it still wait for a client. */
int sie_postcopy_watch_start (struct sie_postcopy_watch *w, int sock, const char *page_server,
                              sie_error_t *err);
/* The RESTORED answer (malloc'd), or the error: the destination's, or the
 * connection's (its status tells which). */
int sie_postcopy_watch_wait (struct sie_postcopy_watch *w, char **reply, sie_error_t *err);
void sie_postcopy_watch_release (struct sie_postcopy_watch *w);

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
