#include "vmshim/agent/frames.h"

#include <errno.h>

static int
check_frame (unsigned id, size_t len, sie_error_t *err)
{
  if (id > SIE_FRAME_EXIT)
    return sie_error (err, EPROTO, "frame: unknown stream id %u", id);
  if (len > SIE_FRAME_MAX_PAYLOAD)
    return sie_error (err, EMSGSIZE, "frame: stream %u: length %zu over the limit %d", id,
                      len, SIE_FRAME_MAX_PAYLOAD);
  if ((id == SIE_FRAME_SIGNAL || id == SIE_FRAME_EXIT) && len != 4)
    return sie_error (err, EPROTO, "frame: stream %u: length %zu, want 4", id, len);
  return 0;
}

static void
put_be32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32_t
get_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int
sie_frame_encode_header (uint8_t out[SIE_FRAME_HEADER_SIZE], unsigned id, size_t len,
                         sie_error_t *err)
{
  if (check_frame (id, len, err) < 0)
    return -1;
  out[0] = id;
  put_be32 (out + 1, len);
  return 0;
}

int
sie_frame_encode_u32 (uint8_t out[SIE_FRAME_U32_SIZE], unsigned id, uint32_t value,
                      sie_error_t *err)
{
  if (id != SIE_FRAME_SIGNAL && id != SIE_FRAME_EXIT)
    return sie_error (err, EINVAL, "frame: stream %u carries no number", id);
  if (sie_frame_encode_header (out, id, 4, err) < 0)
    return -1;
  put_be32 (out + SIE_FRAME_HEADER_SIZE, value);
  return 0;
}

ssize_t
sie_frame_decode (const uint8_t *buf, size_t len, struct sie_frame *frame, sie_error_t *err)
{
  if (len < SIE_FRAME_HEADER_SIZE)
    return 0;
  uint32_t payload = get_be32 (buf + 1);
  /* Checked before waiting for the payload: a bogus length must not make
   * the reader buffer up to 4 GiB. */
  if (check_frame (buf[0], payload, err) < 0)
    return -1;
  if (len - SIE_FRAME_HEADER_SIZE < payload)
    return 0;
  frame->id = buf[0];
  frame->len = payload;
  frame->data = buf + SIE_FRAME_HEADER_SIZE;
  return SIE_FRAME_HEADER_SIZE + payload;
}

uint32_t
sie_frame_u32 (const struct sie_frame *frame)
{
  return frame->len == 4 ? get_be32 (frame->data) : 0;
}
