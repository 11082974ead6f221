/* Live relocation of a container to another host, on z/VM's model
 * (VMRELOCATE): check eligibility first and again just before the freeze,
 * bound the frozen time and the total time, let the operator watch and
 * cancel, and leave the container running at the source if anything fails.
 *
 * The source (`sie relocate`) drives; the destination (`sie serve`) checks,
 * receives the images into its own directory and restores.  See
 * relocate/PROTOCOL.md for the messages. */
#ifndef SIE_RELOCATE_H
#define SIE_RELOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

enum sie_reloc_mode
{
  SIE_RELOC_STOP_COPY,
  SIE_RELOC_POST_COPY,
  SIE_RELOC_PRE_COPY,
};

/* How a relocation ended; printed, and logged as JSON. */
enum sie_reloc_result
{
  SIE_RELOC_COMPLETED,
  SIE_RELOC_CANCELLED,
  SIE_RELOC_MAX_TOTAL,
  SIE_RELOC_MAX_QUIESCE,
  SIE_RELOC_ELIGIBILITY,
  SIE_RELOC_CONNECTION_LOST,
  SIE_RELOC_INTERNAL,
};

const char *sie_reloc_result_name (enum sie_reloc_result r);

struct sie_reloc_domain; /* relocate/domains.h */

struct sie_relocate_opts
{
  const char *root;
  const char *id;
  const char *dest;      /* HOST:PORT */
  const char *auth_file;
  enum sie_reloc_mode mode;
  bool mode_set;         /* --mode given; else post-copy where it works */
  bool test;             /* --test: check eligibility, move nothing */
  bool tcp_established;
  bool force_architecture; /* --force architecture: the CPU check may fail */
  bool force_memory;       /* --force memory: the memory headroom check may fail */
  uint64_t max_quiesce_us; /* 0: unbounded */
  uint64_t max_total_us;   /* 0: unbounded */
  const char *domain_name;  /* --domain: wins over the container's annotation */
  const char *domains_file; /* --domains; NULL: SIE_RELOC_DOMAINS_FILE */
  /* The container's relocation domain (sie_reloc_domain_of), NULL when it
   * is in none: the destination must be a member and have the ceiling. */
  const struct sie_reloc_domain *domain;
};

/* Returns the result; err is set for anything but COMPLETED (and for a
 * successful --test, nothing is moved and COMPLETED is returned). */
enum sie_reloc_result sie_relocate (const struct sie_relocate_opts *o, sie_error_t *err);

/* The relocations in progress under root (one ID, or all with id NULL),
 * as lines on stdout. */
int sie_relocate_status (const char *root, const char *id, sie_error_t *err);

/* Asks the relocation of id to stop; it aborts at its next step, and the
 * container keeps running at the source. Waits until it has. */
int sie_relocate_cancel (const char *root, const char *id, sie_error_t *err);

struct sie_serve_opts
{
  const char *root;
  const char *listen;
  const char *auth_file;
  const char *bridge;    /* relocated containers' veths become its ports */
  uint64_t max_image_bytes;
};

/* Runs the destination daemon until killed. */
int sie_serve (const struct sie_serve_opts *o, sie_error_t *err);

#endif
