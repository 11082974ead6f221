/* Post-copy's dangerous moment.  Once the source answers CRIU's
 * "status-ready", CRIU serves the container's memory from its page server
 * until the destination's lazy-pages daemon is done with it; then it runs
 * "post-dump" and, unless that fails, kills the source's processes.  Two
 * things can go wrong meanwhile, and a watcher thread covers both:
 *  - the destination's restore fails before its daemon ever connects:
 *    CRIU would wait in accept() forever.  The watcher, reading the
 *    destination's answer to RESTORE, connects to the page server and
 *    hangs up, which CRIU takes as the end of the transfer;
 *  - the transfer ends but the restore failed: "post-dump" must fail, so
 *    the source is kept.  It waits for the watcher's answer. */
#include "relocate/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relocate/wire.h"
#include "util/cleanup.h"

/* A connection that closes at once ends CRIU's wait for a client. */
static void
hang_up_page_server (const struct sockaddr_in *addr)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return;
  connect (fd, (const struct sockaddr *) addr, sizeof *addr);
  close (fd);
}

static void *
watch (void *arg)
{
  struct sie_postcopy_watch *w = arg;
  size_t len;

  if (sie_wire_recv (w->sock, &w->type, &w->reply, &len, &w->err) < 0 || w->type != SIE_MSG_RESTORED)
    hang_up_page_server (&w->page_server);
  return NULL;
}

int
sie_postcopy_watch_start (struct sie_postcopy_watch *w, int sock,
                          const struct sockaddr_in *page_server, sie_error_t *err)
{
  int e;

  w->sock = sock;
  w->page_server = *page_server;
  e = pthread_create (&w->thread, NULL, watch, w);
  if (e != 0)
    return sie_error (err, e, "post-copy: start the watcher");
  w->started = true;
  return 0;
}

int
sie_postcopy_watch_wait (struct sie_postcopy_watch *w, char **reply, sie_error_t *err)
{
  if (!w->started)
    return sie_error (err, EINVAL, "post-copy: no restore was asked for");
  pthread_join (w->thread, NULL);
  w->started = false;
  if (w->err)
    {
      *err = w->err;
      w->err = NULL;
      return -1;
    }
  if (w->type != SIE_MSG_RESTORED)
    {
      yajl_val v = yajl_tree_parse (w->reply ? w->reply : "", NULL, 0);
      sie_error (err, 0, "the destination could not restore: %s",
                 v && sie_json_str (v, "message") ? sie_json_str (v, "message") : w->reply);
      yajl_tree_free (v);
      return -1;
    }
  *reply = move_ptr (w->reply);
  return 0;
}

void
sie_postcopy_watch_release (struct sie_postcopy_watch *w)
{
  if (w->started)
    pthread_join (w->thread, NULL);
  w->started = false;
  free (w->reply);
  w->reply = NULL;
  sie_error_release (&w->err);
}
