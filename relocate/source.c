/* `sie relocate`: the source side.
 *
 * The move happens inside CRIU's dump: at the notification after the
 * images are complete ("post-dump" for stop-copy; "status-ready" for
 * post-copy, whose memory stays behind in CRIU's page server), sie streams
 * the images, has the destination restore, and only then lets CRIU end the
 * source's processes.  Any failure up to that point answers the
 * notification with an error, and CRIU thaws the container where it was:
 * the source keeps running. */
#include "relocate/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "cgroups/freezer.h"
#include "relocate/duration.h"
#include "netns/netdevices.h"
#include "relocate/rootfs_copy.h"
#include "relocate/wire.h"
#include "runtime/container.h"
#include "runtime/criu_opts.h"
#include "runtime/query.h"
#include "spec/json_out.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define WORK_DIR "relocate-images"
#define IO_TIMEOUT_MS 60000

static volatile sig_atomic_t cancel_requested;

static void
on_cancel (int sig)
{
  (void) sig;
  cancel_requested = 1;
}

struct src
{
  const struct sie_relocate_opts *o;
  struct sie_container_info info;
  int sock;
  int workfd;
  struct sie_reloc_status st;
  uint64_t freeze_us, quiesce_us, restore_sent_us;
  bool restored;
  char page_server[128]; /* for CRIU */
  struct sockaddr_in page_server_addr;
  struct sie_postcopy_watch watch;
  enum sie_reloc_result result;
  bool tty;
};

static const char *const mode_names[] = { "stop-copy", "post-copy", "pre-copy" };

const char *
sie_reloc_result_name (enum sie_reloc_result r)
{
  static const char *const names[] = { "completed", "cancelled", "max-total exceeded",
                                       "max-quiesce exceeded", "eligibility violation",
                                       "connection lost", "internal error" };
  return names[r];
}

/* Records why the relocation stops (the first cause wins) and returns -1. */
static int
fail (struct src *s, enum sie_reloc_result r, sie_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
fail (struct src *s, enum sie_reloc_result r, sie_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char msg[1024];

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (s->result == SIE_RELOC_COMPLETED)
    s->result = r;
  return sie_error (err, 0, "%s", msg);
}

/* A wire error: a dead connection or a timeout is "connection lost". */
static int
wire_failed (struct src *s, sie_error_t *err)
{
  if (s->result == SIE_RELOC_COMPLETED)
    s->result = (*err)->status == ECONNRESET || (*err)->status == EAGAIN
                        || (*err)->status == EPIPE || (*err)->status == ETIMEDOUT
                    ? SIE_RELOC_CONNECTION_LOST
                    : SIE_RELOC_INTERNAL;
  return -1;
}

static void
show (struct src *s, const char *stage)
{
  uint64_t el = sie_now_us () - s->st.started_us;
  double mib = s->st.bytes / 1048576.0, secs = el / 1e6;
  sie_error_t ignored = NULL;

  s->st.stage = stage;
  sie_reloc_status_write (s->info.dirfd, &s->st, &ignored);
  sie_error_release (&ignored);
  if (s->tty)
    fprintf (stderr, "\r%-12s [%-30.*s] %8.1f MiB %7.1f MiB/s", stage,
             (int) (s->st.files % 31), "##############################", mib,
             secs > 0 ? mib / secs : 0.0);
  else
    fprintf (stderr, "relocate %s: %s, %.1f MiB, %.1f s\n", s->o->id, stage, mib, secs);
}

/* Between steps and chunks: cancel, the total bound, the frozen bound. */
static int
check_bounds (void *data, sie_error_t *err)
{
  struct src *s = data;
  uint64_t now = sie_now_us ();

  if (cancel_requested)
    return fail (s, SIE_RELOC_CANCELLED, err, "cancelled by the operator");
  if (s->o->max_total_us && now - s->st.started_us > s->o->max_total_us)
    return fail (s, SIE_RELOC_MAX_TOTAL, err, "the relocation took longer than --max-total");
  if (s->o->max_quiesce_us && s->freeze_us && now - s->freeze_us > s->o->max_quiesce_us)
    return fail (s, SIE_RELOC_MAX_QUIESCE, err, "the container was frozen longer than --max-quiesce");
  if (s->tty && s->st.files % 8 == 0)
    show (s, s->st.stage);
  return 0;
}

/* Waits for the expected answer; an SIE_MSG_ERROR answer becomes the
 * error. */
static int
await_reply (struct src *s, uint32_t want, char **reply, sie_error_t *err)
{
  cleanup_free char *data = NULL;
  uint32_t got;
  size_t len;

  if (sie_wire_recv (s->sock, &got, &data, &len, err) < 0)
    return wire_failed (s, err);
  if (got == SIE_MSG_ERROR)
    {
      yajl_val v = yajl_tree_parse (data, NULL, 0);
      fail (s, SIE_RELOC_INTERNAL, err, "the destination: %s",
            v && sie_json_str (v, "message") ? sie_json_str (v, "message") : data);
      yajl_tree_free (v);
      return -1;
    }
  if (got != want)
    return fail (s, SIE_RELOC_INTERNAL, err, "unexpected answer %u from the destination", got);
  if (reply)
    *reply = move_ptr (data);
  return 0;
}

/* Sends a control message and waits for the expected answer. */
static int
exchange (struct src *s, uint32_t type, const char *json, uint32_t want, char **reply,
          sie_error_t *err)
{
  if (sie_wire_send (s->sock, type, json, strlen (json), err) < 0)
    return wire_failed (s, err);
  return await_reply (s, want, reply, err);
}

/* Prints every violation of a verdict; the first one not forced past
 * becomes the error. */
static int
report_violations (struct src *s, const char *verdict, int ret, sie_error_t *err)
{
  const char *path[] = { "violations", NULL };
  yajl_val v = yajl_tree_parse (verdict, NULL, 0);
  yajl_val vs = v ? yajl_tree_get (v, path, yajl_t_array) : NULL;

  for (size_t i = 0; vs && i < vs->u.array.len; i++)
    {
      const char *check = sie_json_str (vs->u.array.values[i], "check");
      const char *detail = sie_json_str (vs->u.array.values[i], "detail");
      /* `domain` is never forced: z/VM does not let a guest leave its domain. */
      if ((s->o->force_architecture && strcmp (check, "cpu") == 0)
          || (s->o->force_memory && strcmp (check, "memory") == 0))
        {
          fprintf (stderr, "relocate %s: forced past: %s: %s\n", s->o->id, check, detail);
          continue;
        }
      fprintf (stderr, "relocate %s: eligibility violation: %s: %s\n", s->o->id, check, detail);
      if (ret == 0)
        ret = fail (s, SIE_RELOC_ELIGIBILITY, err, "%s: %s", check, detail);
    }
  yajl_tree_free (v);
  return ret;
}

/* Sends this host's CPU description and the facts; every violation, the
 * source's own (domain membership) and those the destination names, is
 * printed, and the first one is the error. */
static int
check_eligibility (struct src *s, sie_error_t *err)
{
  cleanup_free char *facts = NULL, *verdict = NULL, *own = NULL;
  struct sie_xfer_progress p = { 0 };

  if (sie_facts_cpuinfo_dump (s->workfd, err) < 0 || sie_facts_collect (s->o, &facts, err) < 0
      || sie_facts_check_source (s->o, &own, err) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
  if (sie_xfer_send_file (s->sock, s->workfd, SIE_RELOC_CPUINFO, &p, err) < 0)
    return wire_failed (s, err);
  unlinkat (s->workfd, SIE_RELOC_CPUINFO, 0);
  if (exchange (s, SIE_MSG_CHECK, facts, SIE_MSG_CHECKED, &verdict, err) < 0)
    return -1;
  return report_violations (s, verdict, report_violations (s, own, 0, err), err);
}

/* CRIU hands the restored init files of the same type and mode in place
 * of its stdio from outside the container: the destination needs both. */
static void
add_stdio_modes (struct jout *o, pid_t pid)
{
  jout_key (o, "stdio_modes");
  jout_array (o);
  for (int fd = 0; fd < 3; fd++)
    {
      char link[64];
      struct stat st;

      snprintf (link, sizeof link, "/proc/%d/fd/%d", pid, fd);
      jout_int (o, stat (link, &st) == 0 ? (long long) st.st_mode : 0);
    }
  jout_end (o);
}

static int
send_begin (struct src *s, sie_error_t *err)
{
  struct jout o;
  cleanup_free char *doc = NULL, *config = NULL;
  size_t len;

  if (sie_read_file_at (s->info.dirfd, SIE_CONFIG_FILE, 16 << 20, &config, &len, err) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
  if (jout_init (&o, NULL, err) < 0)
    return -1;
  jout_open (&o);
  jout_key_str (&o, "id", s->o->id);
  jout_key_str (&o, "config", config);
  jout_key_str (&o, "rootfs", s->info.st->rootfs);
  jout_key_str (&o, "mode", mode_names[s->o->mode]);
  add_stdio_modes (&o, s->info.st->pid);
  jout_close (&o);
  if (jout_finish (&o, false, &doc, err) < 0)
    return -1;
  return exchange (s, SIE_MSG_BEGIN, doc, SIE_MSG_OK, NULL, err);
}

/* --copy-rootfs: the tree goes before the freeze, while the container
 * runs; the destination answers once it has it with the facts' hash. */
static int
send_rootfs (struct src *s, sie_error_t *err)
{
  struct sie_xfer_progress p = { .tick = check_bounds, .data = s, .bytes = s->st.bytes };

  show (s, "rootfs");
  if (sie_wire_send (s->sock, SIE_MSG_TREE_BEGIN, "{}", 2, err) < 0)
    return wire_failed (s, err);
  if (sie_rootfs_send (s->sock, s->info.st->rootfs, &p, err) < 0)
    {
      if (s->result != SIE_RELOC_COMPLETED)
        return -1; /* cancelled or out of time */
      if ((*err)->status == EPIPE || (*err)->status == ECONNRESET)
        return wire_failed (s, err);
      return fail (s, SIE_RELOC_INTERNAL, err, "--copy-rootfs: %s", (*err)->msg);
    }
  s->st.bytes = p.bytes;
  return await_reply (s, SIE_MSG_OK, NULL, err);
}

static int restored (struct src *s, const char *reply, sie_error_t *err);

/* The destination restores; the frozen phase ends when it answers. */
static int
restore_there (struct src *s, sie_error_t *err)
{
  struct sie_xfer_progress p = { .tick = check_bounds, .data = s };
  cleanup_free char *reply = NULL;
  char req[256];

  show (s, "transfer");
  p.bytes = s->st.bytes;
  if (sie_xfer_send_dir (s->sock, s->workfd, &p, err) < 0)
    return s->result == SIE_RELOC_COMPLETED ? wire_failed (s, err) : -1;
  s->st.bytes = p.bytes;
  s->st.files = p.files;
  s->st.pages = p.pages;
  if (check_bounds (s, err) < 0)
    return -1;
  show (s, "restore");
  snprintf (req, sizeof req, "{\"tcp_established\": %s%s%s%s}",
            s->o->tcp_established ? "true" : "false", *s->page_server ? ", \"page_server\": \"" : "",
            s->page_server, *s->page_server ? "\"" : "");
  /* post-copy: the destination's restore faults its memory in from CRIU's
   * page server, which serves only once this notification is answered, so
   * the answer to RESTORE is read after the dump. */
  s->restore_sent_us = sie_now_us ();
  if (s->o->mode == SIE_RELOC_POST_COPY)
    {
      if (sie_wire_send (s->sock, SIE_MSG_RESTORE, req, strlen (req), err) < 0)
        return wire_failed (s, err);
      return sie_postcopy_watch_start (&s->watch, s->sock, &s->page_server_addr, err);
    }
  if (exchange (s, SIE_MSG_RESTORE, req, SIE_MSG_RESTORED, &reply, err) < 0)
    return -1;
  return restored (s, reply, err);
}

/* The container was frozen from the dump's start until it resumed at the
 * destination: until RESTORE went out plus the destination's own measure
 * of its restore ("restore_us", its clock, so no clocks need agree).  In
 * post-copy the answer is read only after the last page has gone, so the
 * time it arrives would over-state. */
static uint64_t
frozen_time (struct src *s, const char *reply)
{
  yajl_val v = reply ? yajl_tree_parse (reply, NULL, 0) : NULL;
  long long restore_us = v ? sie_json_int (v, "restore_us", -1) : -1;

  yajl_tree_free (v);
  if (restore_us < 0)
    return sie_now_us () - s->freeze_us;
  return s->restore_sent_us - s->freeze_us + (uint64_t) restore_us;
}

static int
restored (struct src *s, const char *reply, sie_error_t *err)
{
  s->restored = true;
  s->quiesce_us = frozen_time (s, reply);
  /* Measured, not estimated: over the bound, the move is undone (in
   * post-copy the source is gone by now: the bound held up to RESTORE). */
  if (s->o->mode != SIE_RELOC_POST_COPY && s->o->max_quiesce_us
      && s->quiesce_us > s->o->max_quiesce_us)
    return fail (s, SIE_RELOC_MAX_QUIESCE, err, "the container was frozen %.1f ms, over --max-quiesce",
                 s->quiesce_us / 1000.0);
  return 0;
}

static int
restored_there (struct src *s, sie_error_t *err)
{
  cleanup_free char *reply = NULL;

  if (sie_postcopy_watch_wait (&s->watch, &reply, err) < 0)
    {
      if ((*err)->status)
        return wire_failed (s, err);
      return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
    }
  return restored (s, reply, err);
}

/* A post-copy dump that failed while CRIU served pages: the destination's
 * answer says more than CRIU's "lazy pages transfer failed". */
static void
report_restore_failure (struct src *s, sie_error_t *err)
{
  cleanup_free char *reply = NULL;
  sie_error_t why = NULL;

  if (sie_postcopy_watch_wait (&s->watch, &reply, &why) < 0)
    {
      sie_error_release (err);
      *err = why;
    }
}

static int
on_notify (void *data, const char *script, pid_t pid, int fd, sie_error_t *err)
{
  struct src *s = data;
  const char *moment = s->o->mode == SIE_RELOC_POST_COPY ? "status-ready" : "post-dump";

  (void) pid;
  if (fd >= 0)
    close (fd);
  /* CRIU's last word before it freezes the container */
  if (strcmp (script, "pre-dump") == 0)
    s->freeze_us = sie_now_us ();
  if (strcmp (script, moment) != 0)
    return 0;
  if (check_bounds (s, err) < 0)
    return -1;
  return restore_there (s, err);
}

/* The page server listens where the destination reached us. */
static int
pick_page_server (struct src *s, sie_error_t *err)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[64];
  int probe, port;
  struct sockaddr_in any = { .sin_family = AF_INET };
  socklen_t alen = sizeof any;

  if (getsockname (s->sock, (struct sockaddr *) &ss, &len) < 0 || ss.ss_family != AF_INET)
    return fail (s, SIE_RELOC_INTERNAL, err, "post-copy needs an IPv4 connection to the destination");
  inet_ntop (AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, host, sizeof host);
  any.sin_addr = ((struct sockaddr_in *) &ss)->sin_addr;
  probe = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0 || bind (probe, (struct sockaddr *) &any, sizeof any) < 0
      || getsockname (probe, (struct sockaddr *) &any, &alen) < 0)
    {
      if (probe >= 0)
        close (probe);
      return fail (s, SIE_RELOC_INTERNAL, err, "no free port for the page server");
    }
  port = ntohs (any.sin_port);
  close (probe);
  s->page_server_addr = any;
  snprintf (s->page_server, sizeof s->page_server, "%s:%d", host, port);
  return 0;
}

/* CRIU's count, which includes the pages its page server sent (post-copy). */
static void
count_pages (struct src *s)
{
  uint64_t pages;

  if (sie_criu_dump_pages (s->workfd, &pages, NULL) == 0)
    s->st.pages = pages;
}

static int
move (struct src *s, sie_error_t *err)
{
  char images[4096];
  struct sie_checkpoint_opts co = { .status_fd = -1 };

  snprintf (images, sizeof images, "%s/%s/%s", s->o->root, s->o->id, WORK_DIR);
  co.f.image_path = images;
  co.f.tcp_established = s->o->tcp_established;
  if (s->o->mode == SIE_RELOC_POST_COPY)
    {
      if (pick_page_server (s, err) < 0)
        return -1;
      co.f.lazy_pages = true;
      co.f.page_server = s->page_server;
    }
  /* Just before the freeze, the second look (z/VM's rule). */
  show (s, "recheck");
  if (check_eligibility (s, err) < 0 || check_bounds (s, err) < 0)
    return -1;
  show (s, "dump");
  s->freeze_us = sie_now_us ();
  if (sie_checkpoint_dump (&s->info, &co, on_notify, s, err) < 0)
    {
      if (s->watch.started)
        report_restore_failure (s, err);
      if (s->result == SIE_RELOC_COMPLETED)
        s->result = SIE_RELOC_INTERNAL;
      return -1;
    }
  count_pages (s);
  /* every page has gone (CRIU's page server ends the dump only once the
   * destination's lazy-pages daemon says it is done) */
  return s->o->mode == SIE_RELOC_POST_COPY ? restored_there (s, err) : 0;
}

/* After a failure: the destination drops what it has, the source runs on
 * (CRIU thawed it when the notification failed; a paused freezer would
 * have been left as it was). */
static void
abort_both (struct src *s)
{
  sie_error_t ignored = NULL;
  char *reply = NULL;

  if (s->sock >= 0)
    {
      sie_wire_set_timeout (s->sock, 10000, &ignored);
      sie_error_release (&ignored);
      exchange (s, SIE_MSG_ABORT, "{}", SIE_MSG_OK, &reply, &ignored);
      sie_error_release (&ignored);
      free (reply);
    }
}

/* The container's own network namespace went with it, devices and
 * addresses: delete must not bring its netDevices back here, where they
 * would answer for addresses that now live at the destination. */
static void
forget_moved_devices (struct src *s)
{
  const struct sie_namespace *ns = sie_config_namespace (s->info.cfg, SIE_NS_NETWORK);

  if (ns && ns->path == NULL)
    unlinkat (s->info.dirfd, SIE_NETDEVICES_FILE, 0);
}

/* The source's processes are gone (CRIU ended them after the move); what
 * is left of the container here goes too. */
static int
commit (struct src *s, sie_error_t *err)
{
  sie_error_t ignored = NULL;

  if (exchange (s, SIE_MSG_COMMIT, "{}", SIE_MSG_OK, NULL, err) < 0)
    sie_error_release (err); /* the destination runs it either way */
  sie_reloc_status_remove (s->info.dirfd);
  sie_remove_tree_at (s->info.dirfd, WORK_DIR, &ignored);
  sie_error_release (&ignored);
  forget_moved_devices (s);
  sie_container_info_release (&s->info);
  return sie_container_delete (s->o->root, s->o->id, true, err);
}

/* Every relocation's result, one JSON object a line, in <root>/relocate.log. */
static void
append_log (const char *root, const char *line)
{
  char path[4096];
  int fd;

  snprintf (path, sizeof path, "%s/relocate.log", root);
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  sie_write_all (fd, line, strlen (line));
  close (fd);
}

static void
log_result (struct src *s, const sie_error_t *err)
{
  struct jout o;
  sie_error_t ignored = NULL;
  cleanup_free char *doc = NULL;

  if (s->tty)
    fputc ('\n', stderr);
  if (jout_init (&o, NULL, &ignored) < 0)
    goto out;
  jout_open (&o);
  jout_key_str (&o, "id", s->o->id);
  jout_key_str (&o, "destination", s->o->dest);
  jout_key_str (&o, "mode", mode_names[s->o->mode]);
  jout_key_bool (&o, "test", s->o->test);
  jout_key_str (&o, "result", sie_reloc_result_name (s->result));
  if (*err)
    jout_key_str (&o, "message", (*err)->msg);
  jout_key_int (&o, "bytes", (long long) s->st.bytes);
  jout_key_int (&o, "pages", (long long) s->st.pages);
  jout_key_int (&o, "frozen_us", (long long) s->quiesce_us);
  jout_key_int (&o, "total_us", (long long) (sie_now_us () - s->st.started_us));
  jout_close (&o);
  if (jout_finish (&o, true, &doc, &ignored) == 0)
    append_log (s->o->root, doc);
out:
  sie_error_release (&ignored);
}

static int
connect_dest (struct src *s, sie_error_t *err)
{
  cleanup_free char *secret = NULL;
  size_t len;

  if (sie_wire_load_secret (s->o->auth_file, &secret, &len, err) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
  s->sock = sie_wire_connect (s->o->dest, 10000, err);
  if (s->sock < 0)
    return wire_failed (s, err);
  if (sie_wire_set_timeout (s->sock, IO_TIMEOUT_MS, err) < 0
      || sie_wire_auth_client (s->sock, secret, len, err) < 0)
    {
      explicit_bzero (secret, len);
      return fail (s, SIE_RELOC_CONNECTION_LOST, err, "%s", (*err)->msg);
    }
  explicit_bzero (secret, len);
  return 0;
}

static int
open_work (struct src *s, sie_error_t *err)
{
  sie_remove_tree_at (s->info.dirfd, WORK_DIR, NULL);
  if (mkdirat (s->info.dirfd, WORK_DIR, 0700) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "mkdir %s: %s", WORK_DIR, strerror (errno));
  s->workfd = openat (s->info.dirfd, WORK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return s->workfd < 0 ? fail (s, SIE_RELOC_INTERNAL, err, "open %s", WORK_DIR) : 0;
}

/* Pre-copy's rounds need soft-dirty tracking (CRIU's mem_track); asked of
 * CRIU, so the answer is this kernel's. */
static int
refuse_pre_copy (struct src *s, sie_error_t *err)
{
  CriuFeatures want = CRIU_FEATURES__INIT, *got = NULL;
  bool tracked;

  want.has_mem_track = want.mem_track = true;
  if (sie_criu_features (&want, &got, err) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
  tracked = got->has_mem_track && got->mem_track;
  criu_features__free_unpacked (got, NULL);
  if (!tracked)
    return fail (s, SIE_RELOC_ELIGIBILITY, err,
                 "pre-copy: this kernel has no soft-dirty memory tracking (CONFIG_MEM_SOFT_DIRTY)");
  return fail (s, SIE_RELOC_INTERNAL, err,
               "pre-copy: not implemented yet; use post-copy or stop-copy");
}

static int
run (struct src *s, sie_error_t *err)
{
  if (sie_container_info_load (s->o->root, s->o->id, true, &s->info, err) < 0)
    return fail (s, SIE_RELOC_INTERNAL, err, "%s", (*err)->msg);
  if (s->info.status != SIE_STATUS_RUNNING)
    return fail (s, SIE_RELOC_INTERNAL, err, "cannot relocate a container in the %s state",
                 sie_status_name (s->info.status));
  if (s->o->mode == SIE_RELOC_PRE_COPY)
    return refuse_pre_copy (s, err);
  if (open_work (s, err) < 0 || connect_dest (s, err) < 0)
    return -1;
  show (s, "check");
  if (check_eligibility (s, err) < 0)
    return -1;
  if (s->o->test)
    return 0;
  if (send_begin (s, err) < 0 || (s->o->copy_rootfs && send_rootfs (s, err) < 0)
      || move (s, err) < 0)
    return -1;
  return commit (s, err);
}

enum sie_reloc_result
sie_relocate (const struct sie_relocate_opts *o, sie_error_t *err)
{
  struct src s = { .o = o, .info = { .dirfd = -1 }, .sock = -1, .workfd = -1,
                   .result = SIE_RELOC_COMPLETED, .tty = isatty (STDERR_FILENO) };
  struct sigaction sa = { .sa_handler = on_cancel };
  int ret;

  s.st = (struct sie_reloc_status){ .id = o->id, .dest = o->dest, .mode = mode_names[o->mode],
                                    .stage = "connect", .started_us = sie_now_us () };
  sigaction (SIGUSR1, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  ret = run (&s, err);
  /* the watcher reads the socket: done with it before anyone else does */
  sie_postcopy_watch_release (&s.watch);
  if (ret < 0)
    {
      if (s.result == SIE_RELOC_COMPLETED)
        s.result = SIE_RELOC_INTERNAL;
      abort_both (&s);
      if (s.info.dirfd >= 0)
        {
          sie_remove_tree_at (s.info.dirfd, WORK_DIR, NULL);
          sie_reloc_status_remove (s.info.dirfd);
        }
    }
  else if (s.info.dirfd >= 0)
    {
      sie_remove_tree_at (s.info.dirfd, WORK_DIR, NULL);
      sie_reloc_status_remove (s.info.dirfd);
    }
  log_result (&s, err);
  if (s.sock >= 0)
    close (s.sock);
  if (s.workfd >= 0)
    close (s.workfd);
  sie_container_info_release (&s.info);
  return s.result;
}
