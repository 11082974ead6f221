/* Relocation domains, after z/VM's: a named set of hosts a container may
 * move between, whose common CPU features (the intersection of the
 * members' flags) are the domain's ceiling.  A container in a domain is
 * held to the ceiling, so any member can take it, however much more its
 * own CPU has.
 *
 * The file (SIE_RELOC_DOMAINS_FILE, or `sie relocate --domains FILE`):
 *
 *   {"domains": {"rack1": {"members": {
 *      "10.0.0.1:27200": "fpu vme de pse ...",
 *      "10.0.0.2:27200": ["fpu", "vme", "de", "pse", ...]}}}}
 *
 * A member is HOST:PORT exactly as `sie relocate` is given it; its flags
 * are its /proc/cpuinfo flags line (with or without the "flags :" label)
 * or an array of names. */
#ifndef SIE_RELOCATE_DOMAINS_H
#define SIE_RELOCATE_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>

#include "relocate/cpuflags.h"
#include "util/error.h"

#define SIE_RELOC_DOMAINS_FILE "/etc/sie/relocation-domains.json"
#define SIE_RELOC_DOMAIN_ANNOTATION "run.sie.relocation-domain"

struct sie_reloc_domain
{
  char *name;
  char **members; /* HOST:PORT, in the file's order */
  size_t n_members;
  struct sie_cpuflags ceiling;
};

void sie_reloc_domain_free (struct sie_reloc_domain *d);

static inline void
sie_reloc_domain_freep (struct sie_reloc_domain **d)
{
  sie_reloc_domain_free (*d);
}
#define cleanup_domain __attribute__ ((cleanup (sie_reloc_domain_freep)))

/* Domain `name` of a domains file's text; every domain of the file is
 * checked, so a mistake anywhere in it is an error.  `origin` names the
 * file in errors. */
int sie_reloc_domain_parse (const char *json, size_t len, const char *origin, const char *name,
                            struct sie_reloc_domain **out, sie_error_t *err);

int sie_reloc_domain_load (const char *path, const char *name, struct sie_reloc_domain **out,
                           sie_error_t *err);

bool sie_reloc_domain_has_member (const struct sie_reloc_domain *d, const char *hostport);

/* The domain container id is in: `name` (--domain) when given, else its
 * run.sie.relocation-domain annotation, looked up in `file` (NULL: the
 * default file).  *out is NULL when the container is in none. */
int sie_reloc_domain_of (const char *root, const char *id, const char *name, const char *file,
                         struct sie_reloc_domain **out, sie_error_t *err);

/* The members, separated by ", ". */
int sie_reloc_domain_format_members (const struct sie_reloc_domain *d, char **out,
                                     sie_error_t *err);

#endif
