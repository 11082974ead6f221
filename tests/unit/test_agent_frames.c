/* The guest agent's wire format: the frame codec and the request lines
 * (vmshim/agent/frames.c, request.c, linked in by vmshim/guest.mk). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/unit/tap.h"
#include "vmshim/agent/frames.h"
#include "vmshim/agent/request.h"

static void
test_header_round_trip (void)
{
  uint8_t buf[SIE_FRAME_HEADER_SIZE + 5];
  struct sie_frame f;
  sie_error_t err = NULL;

  ok (sie_frame_encode_header (buf, SIE_FRAME_STDOUT, 5, &err) == 0, "stdout header encodes");
  ok (memcmp (buf, "\x01\x00\x00\x00\x05", 5) == 0, "id then big-endian length");
  memcpy (buf + SIE_FRAME_HEADER_SIZE, "hello", 5);
  ok (sie_frame_decode (buf, sizeof buf, &f, &err) == (ssize_t) sizeof buf, "decodes it whole");
  ok (f.id == SIE_FRAME_STDOUT && f.len == 5 && memcmp (f.data, "hello", 5) == 0,
      "id, length and payload survive");
  ok (err == NULL, "no error on the way");
}

static void
test_partial_input (void)
{
  uint8_t buf[SIE_FRAME_HEADER_SIZE + 3] = { SIE_FRAME_STDERR, 0, 0, 0, 3, 'a', 'b', 'c' };
  struct sie_frame f;
  sie_error_t err = NULL;
  int all_zero = 1;

  for (size_t len = 0; len < sizeof buf; len++)
    all_zero &= sie_frame_decode (buf, len, &f, &err) == 0;
  ok (all_zero, "every proper prefix asks for more");
  ok (err == NULL, "and is no error");
  ok (sie_frame_decode (buf, sizeof buf, &f, &err) == 8, "the whole frame decodes");
}

static void
test_stream_of_frames (void)
{
  uint8_t buf[64];
  size_t len = 0, off = 0;
  struct sie_frame f;
  sie_error_t err = NULL;
  int ids[4], n = 0;

  sie_frame_encode_header (buf + len, SIE_FRAME_STDIN, 2, &err);
  len += SIE_FRAME_HEADER_SIZE;
  memcpy (buf + len, "hi", 2);
  len += 2;
  sie_frame_encode_u32 (buf + len, SIE_FRAME_SIGNAL, 15, &err);
  len += SIE_FRAME_U32_SIZE;
  sie_frame_encode_header (buf + len, SIE_FRAME_STDIN, 0, &err);
  len += SIE_FRAME_HEADER_SIZE;

  for (ssize_t r; n < 4 && (r = sie_frame_decode (buf + off, len - off, &f, &err)) > 0; off += r)
    {
      ids[n++] = f.id;
      if (f.id == SIE_FRAME_SIGNAL)
        ok (sie_frame_u32 (&f) == 15, "the signal number reads back");
    }
  ok (n == 3 && off == len, "three frames back to back, all consumed");
  ok (n == 3 && ids[0] == SIE_FRAME_STDIN && ids[1] == SIE_FRAME_SIGNAL && ids[2] == SIE_FRAME_STDIN,
      "in order");
  ok (err == NULL, "without error");
}

static void
test_exit_status (void)
{
  uint8_t buf[SIE_FRAME_U32_SIZE];
  struct sie_frame f;
  sie_error_t err = NULL;
  int status = W_EXITCODE (3, 0);

  ok (sie_frame_encode_u32 (buf, SIE_FRAME_EXIT, status, &err) == 0, "exit frame encodes");
  ok (sie_frame_decode (buf, sizeof buf, &f, &err) == SIE_FRAME_U32_SIZE, "and decodes");
  ok (WIFEXITED ((int) sie_frame_u32 (&f)) && WEXITSTATUS ((int) sie_frame_u32 (&f)) == 3,
      "the wait status survives");
  ok (sie_frame_encode_u32 (buf, SIE_FRAME_STDOUT, 1, &err) < 0, "stdout carries no number");
  is_str (err ? err->msg : NULL, "frame: stream 1 carries no number: Invalid argument",
          "and says so");
  sie_error_release (&err);
}

/* Decodes a lone header; returns the error message, or NULL. */
static char *
header_error (uint8_t id, uint32_t len)
{
  uint8_t buf[SIE_FRAME_HEADER_SIZE] = { id, len >> 24, len >> 16, len >> 8, len };
  struct sie_frame f;
  sie_error_t err = NULL;
  char *msg = NULL;

  if (sie_frame_decode (buf, sizeof buf, &f, &err) < 0)
    msg = strdup (err->msg);
  sie_error_release (&err);
  return msg;
}

static void
test_bad_headers (void)
{
  char *msg;

  msg = header_error (5, 1);
  is_str (msg, "frame: unknown stream id 5: Protocol error", "unknown stream id rejected");
  free (msg);
  msg = header_error (SIE_FRAME_STDIN, 0xffffffff);
  is_str (msg, "frame: stream 0: length 4294967295 over the limit 65536: Message too long",
          "a 4 GiB length is rejected from the header alone");
  free (msg);
  msg = header_error (SIE_FRAME_STDIN, SIE_FRAME_MAX_PAYLOAD + 1);
  ok (msg != NULL, "one byte over the limit is rejected");
  free (msg);
  msg = header_error (SIE_FRAME_STDIN, SIE_FRAME_MAX_PAYLOAD);
  ok (msg == NULL, "the limit itself is fine (waits for the payload)");
  free (msg);
  msg = header_error (SIE_FRAME_SIGNAL, 8);
  is_str (msg, "frame: stream 3: length 8, want 4: Protocol error", "signal frames are 4 bytes");
  free (msg);
  msg = header_error (SIE_FRAME_EXIT, 0);
  ok (msg != NULL, "exit frames are 4 bytes");
  free (msg);
}

static void
test_encode_limits (void)
{
  uint8_t buf[SIE_FRAME_HEADER_SIZE];
  sie_error_t err = NULL;

  ok (sie_frame_encode_header (buf, SIE_FRAME_STDOUT, SIE_FRAME_MAX_PAYLOAD, &err) == 0,
      "a full frame encodes");
  ok (sie_frame_encode_header (buf, SIE_FRAME_STDOUT, SIE_FRAME_MAX_PAYLOAD + 1, &err) < 0,
      "a larger one does not");
  sie_error_release (&err);
  ok (sie_frame_encode_header (buf, 9, 1, &err) < 0, "nor an unknown stream");
  sie_error_release (&err);
}

static void
test_requests (void)
{
  struct sie_agent_request req;
  sie_error_t err = NULL;

  ok (sie_agent_request_parse ("{\"op\":\"ping\"}", &req, &err) == 0 && req.op == SIE_AGENT_PING,
      "ping parses");
  sie_agent_request_release (&req);
  ok (sie_agent_request_parse ("{\"op\":\"shutdown\",\"extra\":1}", &req, &err) == 0
          && req.op == SIE_AGENT_SHUTDOWN,
      "shutdown parses, unknown keys ignored");
  sie_agent_request_release (&req);

  ok (sie_agent_request_parse ("{\"op\":\"exec\",\"args\":[\"/bin/echo\",\"a b\"],"
                               "\"env\":[\"A=1\"],\"cwd\":\"/tmp\"}",
                               &req, &err)
          == 0,
      "exec parses");
  ok (req.args && req.args[0] && strcmp (req.args[1], "a b") == 0 && req.args[2] == NULL,
      "args as a NULL-terminated vector");
  ok (req.env && strcmp (req.env[0], "A=1") == 0 && req.env[1] == NULL, "env too");
  is_str (req.cwd, "/tmp", "cwd kept");
  sie_agent_request_release (&req);

  ok (sie_agent_request_parse ("{\"op\":\"exec\",\"args\":[\"true\"]}", &req, &err) == 0, "minimal exec");
  ok (req.env == NULL, "no env: the agent's default");
  is_str (req.cwd, "/", "cwd defaults to /");
  sie_agent_request_release (&req);
  ok (err == NULL, "no error so far");
}

static char *
request_error (const char *line)
{
  struct sie_agent_request req;
  sie_error_t err = NULL;
  char *msg = NULL;

  if (sie_agent_request_parse (line, &req, &err) < 0)
    msg = strdup (err->msg);
  else
    sie_agent_request_release (&req);
  sie_error_release (&err);
  return msg;
}

static void
test_bad_requests (void)
{
  static const struct
  {
    const char *line, *want;
  } cases[] = {
    { "{\"op\":\"exec\"}", "request: args: missing or empty: Invalid argument" },
    { "{\"op\":\"exec\",\"args\":[]}", "request: args: missing or empty: Invalid argument" },
    { "{\"op\":\"exec\",\"args\":[\"\"]}", "request: args: missing or empty: Invalid argument" },
    { "{\"op\":\"exec\",\"args\":[\"a\",1]}", "request: args[1]: not a string: Invalid argument" },
    { "{\"op\":\"exec\",\"args\":\"sh\"}", "request: args: not an array: Invalid argument" },
    { "{\"op\":\"exec\",\"args\":[\"a\"],\"cwd\":7}", "request: cwd: not a string: Invalid argument" },
    { "{\"op\":\"reboot\"}", "request: op: unknown operation \"reboot\": Invalid argument" },
    { "{}", "request: op: missing or not a string: Invalid argument" },
    { "[\"ping\"]", "request: not a JSON object: Invalid argument" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char *msg = request_error (cases[i].line);
      is_str (msg, cases[i].want, "rejects %s", cases[i].line);
      free (msg);
    }
  char *msg = request_error ("{\"op\":");
  ok (msg && strncmp (msg, "request: invalid JSON: ", 23) == 0 && !strchr (msg, '\n'),
      "invalid JSON: one line");
  free (msg);
}

static void
test_replies (void)
{
  char *s;

  s = sie_agent_reply_ping ();
  is_str (s, "{\"ok\":true,\"version\":\"" SIE_AGENT_VERSION "\"}\n", "ping reply");
  free (s);
  s = sie_agent_reply_started (42);
  is_str (s, "{\"ok\":true,\"pid\":42}\n", "started reply");
  free (s);
  s = sie_agent_reply_ok ();
  is_str (s, "{\"ok\":true}\n", "plain ok");
  free (s);
  s = sie_agent_reply_error ("exec \"x\": no\nsuch");
  is_str (s, "{\"ok\":false,\"error\":\"exec \\\"x\\\": no\\nsuch\"}\n",
          "errors are escaped and stay on one line");
  free (s);
}

int
main (void)
{
  test_header_round_trip ();
  test_partial_input ();
  test_stream_of_frames ();
  test_exit_status ();
  test_bad_headers ();
  test_encode_limits ();
  test_requests ();
  test_bad_requests ();
  test_replies ();
  return tap_done ();
}
