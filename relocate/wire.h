/* The relocation protocol's transport: TCP, length-prefixed frames, and a
 * mutual challenge-response on a shared secret before anything else.
 *
 * Frame: u32 type, u32 length (both big-endian), then `length` bytes.
 * Control messages carry one JSON object; SIE_MSG_FILE_DATA and
 * SIE_MSG_TREE_DATA carry raw bytes.  A frame longer than
 * SIE_WIRE_MAX_FRAME is a protocol error. */
#ifndef SIE_WIRE_H
#define SIE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define SIE_WIRE_MAX_FRAME (4u << 20)
#define SIE_WIRE_SECRET_MAX 4096
#define SIE_WIRE_NONCE 32

enum sie_msg_type
{
  SIE_MSG_ERROR = 1,   /* JSON {"result": "...", "message": "..."} */
  SIE_MSG_CHECK,       /* source: facts (JSON); dest answers SIE_MSG_CHECKED */
  SIE_MSG_CHECKED,     /* dest: {"violations": [{"check": "...", "detail": "..."}]} */
  SIE_MSG_BEGIN,       /* source: {"id", "config", "bundle", "rootfs", "mode"}; dest answers SIE_MSG_OK */
  SIE_MSG_FILE_BEGIN,  /* source: {"name", "size"} */
  SIE_MSG_FILE_DATA,   /* raw bytes of the current file */
  SIE_MSG_FILE_END,    /* source: {} */
  SIE_MSG_RESTORE,     /* source: {"tcp_established": bool, "page_server": "addr:port" or absent} */
  SIE_MSG_RESTORED,    /* dest: {"pid": N, "restore_us": N} */
  SIE_MSG_COMMIT,      /* source: the source is gone; dest answers SIE_MSG_OK */
  SIE_MSG_ABORT,       /* source: undo everything; dest answers SIE_MSG_OK */
  SIE_MSG_OK,
  SIE_MSG_TREE_DATA = 13, /* source: raw bytes of the rootfs archive (relocate/rootfs_copy.h) */
  SIE_MSG_TREE_END = 14,  /* source: {}; the archive is complete */
  SIE_MSG_TREE_BEGIN = 15, /* source: {}; TREE_DATA follows; dest answers SIE_MSG_OK once it has
                              the tree with the source's hash */
};

/* Connects to "HOST:PORT" ("[v6]:PORT" too) with a timeout; returns the fd. */
int sie_wire_connect (const char *hostport, int timeout_ms, sie_error_t *err);

/* Listens on "ADDR:PORT"; returns the fd. */
int sie_wire_listen (const char *addrport, sie_error_t *err);

/* Every later read or write on fd fails after timeout_ms without progress. */
int sie_wire_set_timeout (int fd, int timeout_ms, sie_error_t *err);

int sie_wire_send (int fd, uint32_t type, const void *data, size_t len, sie_error_t *err);

/* Receives one frame; *data is malloc'd (NUL-terminated for convenience,
 * not counted in *len).  A closed connection is an error whose status is
 * ECONNRESET. */
int sie_wire_recv (int fd, uint32_t *type, char **data, size_t *len, sie_error_t *err);

/* Reads the shared secret from a file: not empty, at most
 * SIE_WIRE_SECRET_MAX bytes, and not readable by group or others (a
 * secret anyone can read is no secret). A trailing newline is dropped. */
int sie_wire_load_secret (const char *path, char **secret, size_t *len, sie_error_t *err);

/* Mutual authentication, HMAC-SHA256 over fresh nonces from both sides:
 * the server proves it knows the secret too, so a source never sends a
 * container to an impostor.  A peer that fails gets an SIE_MSG_ERROR
 * "authentication failed" and the connection is closed by the caller. */
int sie_wire_auth_server (int fd, const char *secret, size_t len, sie_error_t *err);
int sie_wire_auth_client (int fd, const char *secret, size_t len, sie_error_t *err);

#endif
