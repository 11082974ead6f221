/* One connection to the agent: a request line, its answer. */
#ifndef SIE_AGENT_SESSION_H
#define SIE_AGENT_SESSION_H

#include "vmshim/agent/server.h"

/* Reads the request on conn and serves it; every failure is answered on
 * the connection when it can be, else logged. */
void sie_agent_session (int conn, const struct sie_agent_options *opt);

#endif
