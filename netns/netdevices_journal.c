/* The netdevices journal in the state directory: what create moved into
 * the container, in text, one line per device and per address:
 *
 *   sie-netdevices 1
 *   host <st_dev> <st_ino>      of the namespace the devices came from
 *   dev <host name> <name inside> <host ifindex> up|down <mac>|-
 *   addr <address>/<prefix> <IFA_F_* flags, hex> <scope> <peer>|- <broadcast>|-
 */
#include "netns/netdevices.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#define MAGIC "sie-netdevices 1"

bool
sie_netdev_name_valid (const char *name, bool template_ok)
{
  const char *pct;

  if (name == NULL || *name == '\0' || strlen (name) >= IFNAMSIZ || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    return false;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || isspace ((unsigned char) *p))
      return false;
  pct = strchr (name, '%');
  if (pct == NULL)
    return true;
  return template_ok && pct[1] == 'd' && strchr (pct + 1, '%') == NULL;
}

static void
put_host (FILE *f, int family, const unsigned char *a, bool present)
{
  char text[INET6_ADDRSTRLEN];

  if (present && inet_ntop (family, a, text, sizeof text))
    fprintf (f, " %s", text);
  else
    fputs (" -", f);
}

static void
put_record (FILE *f, const struct sie_netdev_record *r)
{
  char mac[3 * SIE_HWADDR_MAX + 1];

  sie_mac_format (r->mac, r->mac_len, mac, sizeof mac);
  fprintf (f, "dev %s %s %d %s %s\n", r->host_name, r->name, r->index, r->was_up ? "up" : "down",
           r->mac_len ? mac : "-");
  for (size_t i = 0; i < r->n_addrs; i++)
    {
      const struct sie_addr *a = &r->addrs[i];
      char text[INET6_ADDRSTRLEN + 8];

      sie_addr_format (a, text, sizeof text);
      fprintf (f, "addr %s 0x%x %u", text, a->flags, a->scope);
      put_host (f, a->family, a->peer, a->has_peer);
      put_host (f, AF_INET, a->broadcast, a->has_broadcast);
      fputc ('\n', f);
    }
}

int
sie_netdev_journal_format (const struct sie_netdev_journal *j, char **out, sie_error_t *err)
{
  size_t len;
  FILE *f = open_memstream (out, &len);

  if (f == NULL)
    return sie_error (err, errno, "netdevices journal");
  fprintf (f, MAGIC "\nhost %llu %llu\n", j->host_ns_dev, j->host_ns_ino);
  for (size_t i = 0; i < j->n; i++)
    put_record (f, &j->recs[i]);
  if (fclose (f) != 0)
    {
      free (*out);
      *out = NULL;
      return sie_error (err, errno, "netdevices journal");
    }
  return 0;
}

static int
parse_dev (char **w, size_t nw, struct sie_netdev_record *r)
{
  char *end;
  long index;
  int mac_len = 0;

  memset (r, 0, sizeof *r);
  if (nw != 6 || !sie_netdev_name_valid (w[1], false) || !sie_netdev_name_valid (w[2], true))
    return -1;
  index = strtol (w[3], &end, 10);
  if (*end || index <= 0 || (strcmp (w[4], "up") != 0 && strcmp (w[4], "down") != 0))
    return -1;
  if (strcmp (w[5], "-") != 0 && (mac_len = sie_mac_parse (w[5], r->mac, sizeof r->mac)) < 0)
    return -1;
  strcpy (r->host_name, w[1]);
  strcpy (r->name, w[2]);
  r->index = (int) index;
  r->was_up = strcmp (w[4], "up") == 0;
  r->mac_len = (size_t) mac_len;
  return 0;
}

static int
parse_host (const char *text, int family, unsigned char *to, bool *present)
{
  *present = strcmp (text, "-") != 0;
  return *present && inet_pton (family, text, to) != 1 ? -1 : 0;
}

static int
parse_addr (char **w, size_t nw, struct sie_addr *a)
{
  char *end;
  unsigned long flags, scope;

  if (nw != 6 || sie_addr_from_text (w[1], a) < 0)
    return -1;
  flags = strtoul (w[2], &end, 16);
  if (*end || flags > UINT32_MAX)
    return -1;
  scope = strtoul (w[3], &end, 10);
  if (*end || scope > 255)
    return -1;
  a->flags = (unsigned int) flags;
  a->scope = (unsigned char) scope;
  if (parse_host (w[4], a->family, a->peer, &a->has_peer) < 0)
    return -1;
  if (parse_host (w[5], AF_INET, a->broadcast, &a->has_broadcast) < 0
      || (a->has_broadcast && a->family != AF_INET))
    return -1;
  return 0;
}

/* Splits line in place into at most max words. */
static size_t
split (char *line, char **w, size_t max)
{
  size_t n = 0;
  char *save = NULL;

  for (char *t = strtok_r (line, " ", &save); t; t = strtok_r (NULL, " ", &save))
    {
      if (n == max)
        return max + 1;
      w[n++] = t;
    }
  return n;
}

struct journal_vec
{
  struct sie_netdev_journal *j;
  size_t cap;
  size_t addr_cap; /* of the last record */
  bool has_host;
};

static int
parse_host_line (char **w, size_t nw, struct journal_vec *v)
{
  char *end1, *end2;

  if (nw != 3 || v->has_host)
    return -1;
  errno = 0;
  v->j->host_ns_dev = strtoull (w[1], &end1, 10);
  v->j->host_ns_ino = strtoull (w[2], &end2, 10);
  if (errno || *end1 || *end2)
    return -1;
  v->has_host = true;
  return 0;
}

static int
parse_line (char *line, struct journal_vec *v)
{
  struct sie_netdev_journal *j = v->j;
  char *w[8];
  size_t nw = split (line, w, 7);
  struct sie_netdev_record r;
  struct sie_addr a;

  if (nw == 0)
    return 0;
  if (strcmp (w[0], "host") == 0)
    return parse_host_line (w, nw, v);
  if (!v->has_host)
    return -1;
  if (strcmp (w[0], "dev") == 0)
    {
      if (parse_dev (w, nw, &r) < 0
          || sie_nl_append ((void **) &j->recs, &j->n, &v->cap, &r, sizeof r) < 0)
        return -1;
      v->addr_cap = 0;
      return 0;
    }
  if (strcmp (w[0], "addr") == 0 && j->n > 0)
    {
      struct sie_netdev_record *last = &j->recs[j->n - 1];
      if (parse_addr (w, nw, &a) < 0)
        return -1;
      a.index = 0;
      return sie_nl_append ((void **) &last->addrs, &last->n_addrs, &v->addr_cap, &a, sizeof a);
    }
  return -1;
}

int
sie_netdev_journal_parse (const char *text, struct sie_netdev_journal *j, sie_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  struct journal_vec v = { .j = j };
  char *save = NULL, *line;
  int lineno = 1;

  memset (j, 0, sizeof *j);
  if (copy == NULL)
    return sie_error (err, errno, "%s", SIE_NETDEVICES_FILE);
  line = strtok_r (copy, "\n", &save);
  if (line == NULL || strcmp (line, MAGIC) != 0)
    return sie_error (err, 0, "%s: not a netdevices journal", SIE_NETDEVICES_FILE);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    {
      lineno++;
      if (parse_line (line, &v) < 0)
        {
          sie_netdev_journal_free (j);
          return sie_error (err, 0, "%s: line %d: malformed", SIE_NETDEVICES_FILE, lineno);
        }
    }
  if (!v.has_host)
    return sie_error (err, 0, "%s: no host line", SIE_NETDEVICES_FILE);
  return 0;
}

void
sie_netdev_journal_free (struct sie_netdev_journal *j)
{
  for (size_t i = 0; j->recs && i < j->n; i++)
    free (j->recs[i].addrs);
  free (j->recs);
  j->recs = NULL;
  j->n = 0;
}
