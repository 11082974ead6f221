/* The agent's stream framing.  After an exec request, both directions of the
 * connection carry frames: a 1-byte stream id, a 4-byte big-endian payload
 * length, then the payload.  Pure code: no I/O, so the unit test and the
 * host side share it with the agent. */
#ifndef SIE_AGENT_FRAMES_H
#define SIE_AGENT_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum sie_frame_id
{
  SIE_FRAME_STDIN = 0,  /* host -> guest; an empty payload closes stdin */
  SIE_FRAME_STDOUT = 1, /* guest -> host */
  SIE_FRAME_STDERR = 2, /* guest -> host */
  SIE_FRAME_SIGNAL = 3, /* host -> guest; payload: u32 signal number */
  SIE_FRAME_EXIT = 4,   /* guest -> host, last; payload: u32 wait status */
};

#define SIE_FRAME_HEADER_SIZE 5
/* Bounds every buffer on both sides; larger output is split. */
#define SIE_FRAME_MAX_PAYLOAD (64 * 1024)
/* A signal or exit frame, header included. */
#define SIE_FRAME_U32_SIZE (SIE_FRAME_HEADER_SIZE + 4)

struct sie_frame
{
  uint8_t id;
  uint32_t len;
  const uint8_t *data; /* points into the decoded buffer */
};

/* Writes the header of a frame carrying len bytes.  Fails on an unknown id,
 * a length over SIE_FRAME_MAX_PAYLOAD, or a signal/exit length other than 4. */
int sie_frame_encode_header (uint8_t out[SIE_FRAME_HEADER_SIZE], unsigned id, size_t len,
                             sie_error_t *err);

/* Writes a whole signal or exit frame: header and big-endian value. */
int sie_frame_encode_u32 (uint8_t out[SIE_FRAME_U32_SIZE], unsigned id, uint32_t value,
                          sie_error_t *err);

/* Decodes the frame at the start of buf.  Returns the bytes it takes (> 0),
 * 0 when buf holds only part of it, or a negative value when the header is
 * invalid (the stream cannot be resynchronised after that). */
ssize_t sie_frame_decode (const uint8_t *buf, size_t len, struct sie_frame *frame,
                          sie_error_t *err);

/* The value of a decoded signal or exit frame. */
uint32_t sie_frame_u32 (const struct sie_frame *frame);

#endif
