/* The agent's requests and replies: one line of JSON each way, before any
 * frames.  See vmshim/agent/PROTOCOL.md. */
#ifndef SIE_AGENT_REQUEST_H
#define SIE_AGENT_REQUEST_H

#include <sys/types.h>

#include "util/error.h"

/* A request line, newline included, is at most this long. */
#define SIE_AGENT_REQUEST_MAX (64 * 1024)
#define SIE_AGENT_VERSION "0.1.0"

enum sie_agent_op
{
  SIE_AGENT_PING,
  SIE_AGENT_EXEC,
  SIE_AGENT_SHUTDOWN,
};

struct sie_agent_request
{
  enum sie_agent_op op;
  /* exec only; NULL-terminated.  env NULL: the agent's default. */
  char **args;
  char **env;
  char *cwd; /* "/" when absent */
};

/* Parses one request line (no newline needed).  Unknown keys are ignored;
 * a missing or unknown op, or exec without args, fails. */
int sie_agent_request_parse (const char *line, struct sie_agent_request *req,
                             sie_error_t *err);
void sie_agent_request_release (struct sie_agent_request *req);

/* Reply lines, each ending in '\n'; the caller frees them.  NULL when out
 * of memory. */
char *sie_agent_reply_ok (void);                 /* {"ok":true} */
char *sie_agent_reply_ping (void);               /* {"ok":true,"version":...} */
char *sie_agent_reply_started (pid_t pid);       /* {"ok":true,"pid":N} */
char *sie_agent_reply_error (const char *msg);   /* {"ok":false,"error":...} */

#endif
