/* Device access on cgroup v2: cgroup2 has no devices files; the kernel
 * asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup.  The
 * program is generated from the same rule list v1 gets (deny-all, the
 * config's rules, the default devices) and, like v1, the last matching rule
 * decides: the rules are emitted in reverse, each returning on a match. */
#include "cgroups/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "util/cleanup.h"

#define F_DEV "linux.resources.devices"

struct rule
{
  bool allow;
  char type;         /* 'a', 'b', 'c' */
  int64_t major;     /* -1: any */
  int64_t minor;     /* -1: any */
  unsigned access;   /* BPF_DEVCG_ACC_* bits */
};

struct prog
{
  struct bpf_insn *insns;
  size_t n, cap;
};

static int
emit (struct prog *p, struct bpf_insn insn)
{
  if (p->n == p->cap)
    {
      size_t cap = p->cap ? p->cap * 2 : 64;
      struct bpf_insn *grown = realloc (p->insns, cap * sizeof (*grown));
      if (grown == NULL)
        return -1;
      p->insns = grown;
      p->cap = cap;
    }
  p->insns[p->n++] = insn;
  return 0;
}

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
  return i;
}

#define LDX_W(dst, off) insn (BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, off, 0)
#define ALU32_K(op, dst, k) insn (BPF_ALU | op | BPF_K, dst, 0, 0, k)
#define MOV32_X(dst, src) insn (BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, k) insn (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, k)
/* conditional jumps get their offset once the rule's length is known */
#define JMP_K(op, dst, k) insn (BPF_JMP | op | BPF_K, dst, 0, 0, k)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r2 = device type, r3 = requested access, r4 = major, r5 = minor */
static int
emit_prologue (struct prog *p)
{
  return emit (p, LDX_W (BPF_REG_2, 0)) | emit (p, ALU32_K (BPF_AND, BPF_REG_2, 0xffff))
         | emit (p, LDX_W (BPF_REG_3, 0)) | emit (p, ALU32_K (BPF_RSH, BPF_REG_3, 16))
         | emit (p, LDX_W (BPF_REG_4, 4)) | emit (p, LDX_W (BPF_REG_5, 8));
}

/* One rule: falls through to the next one unless it matches.  An allow
 * rule must cover every access asked for; a deny rule matches when it
 * covers any of them. */
static int
emit_rule (struct prog *p, const struct rule *r)
{
  const unsigned all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  size_t start = p->n;
  int ret = 0;

  if (r->type != 'a')
    ret |= emit (p, JMP_K (BPF_JNE, BPF_REG_2,
                           r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
  if ((r->access & all) != all)
    {
      ret |= emit (p, MOV32_X (BPF_REG_1, BPF_REG_3));
      if (r->allow)
        {
          ret |= emit (p, ALU32_K (BPF_AND, BPF_REG_1, (int32_t) (~r->access & all)));
          ret |= emit (p, JMP_K (BPF_JNE, BPF_REG_1, 0));
        }
      else
        {
          ret |= emit (p, ALU32_K (BPF_AND, BPF_REG_1, (int32_t) r->access));
          ret |= emit (p, JMP_K (BPF_JEQ, BPF_REG_1, 0));
        }
    }
  if (r->major >= 0)
    ret |= emit (p, JMP_K (BPF_JNE, BPF_REG_4, (int32_t) r->major));
  if (r->minor >= 0)
    ret |= emit (p, JMP_K (BPF_JNE, BPF_REG_5, (int32_t) r->minor));
  ret |= emit (p, MOV64_K (BPF_REG_0, r->allow ? 1 : 0));
  ret |= emit (p, EXIT ());
  if (ret < 0)
    return -1;
  for (size_t i = start; i < p->n; i++)
    if (BPF_CLASS (p->insns[i].code) == BPF_JMP && BPF_OP (p->insns[i].code) != BPF_EXIT)
      p->insns[i].off = (int16_t) (p->n - i - 1);
  return 0;
}

static unsigned
access_bits (const char *access)
{
  unsigned bits = 0;
  for (; *access; access++)
    bits |= *access == 'r' ? BPF_DEVCG_ACC_READ
            : *access == 'w' ? BPF_DEVCG_ACC_WRITE
                             : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

/* The effective rule list: deny-all, the config's rules, the defaults. */
static int
build_rules (const struct sie_resources *res, struct rule **out, size_t *n, sie_error_t *err)
{
  size_t total = 1 + res->n_devices + sie_cg_n_default_devices, k = 0;
  struct rule *rules = calloc (total, sizeof (*rules));

  if (rules == NULL)
    return sie_error (err, ENOMEM, F_DEV);
  rules[k++] = (struct rule){ false, 'a', -1, -1, access_bits ("rwm") };
  for (size_t i = 0; i < res->n_devices; i++)
    {
      const struct sie_device_cgroup *d = &res->devices[i];
      char check[80];
      if (sie_cg_device_rule_string (d, i, check, sizeof (check), err) < 0)
        {
          free (rules);
          return -1;
        }
      if ((d->major.set && d->major.v > INT32_MAX) || (d->minor.set && d->minor.v > INT32_MAX))
        {
          free (rules);
          return sie_error (err, 0, F_DEV "[%zu]: major/minor out of range", i);
        }
      rules[k++] = (struct rule){ d->allow, d->type ? d->type : 'a',
                                  d->major.set && d->major.v >= 0 ? d->major.v : -1,
                                  d->minor.set && d->minor.v >= 0 ? d->minor.v : -1,
                                  access_bits (d->access && d->access[0] ? d->access : "rwm") };
      /* as in v1, type "a" is every device and every access */
      if (rules[k - 1].type == 'a')
        rules[k - 1] = (struct rule){ d->allow, 'a', -1, -1, access_bits ("rwm") };
    }
  for (size_t i = 0; i < sie_cg_n_default_devices; i++)
    {
      const struct sie_cg_default_device *d = &sie_cg_default_devices[i];
      rules[k++] = (struct rule){ true, d->type, d->major, d->minor, access_bits (d->access) };
    }
  *out = rules;
  *n = k;
  return 0;
}

static bool
matches_all (const struct rule *r)
{
  return r->type == 'a' && r->major < 0 && r->minor < 0
         && r->access == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
}

static long
bpf (int cmd, union bpf_attr *attr)
{
  return syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

static int
load_program (const struct prog *p, sie_error_t *err)
{
  static char log[8192];
  union bpf_attr attr;
  int fd;

  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t) p->insns;
  attr.insn_cnt = (uint32_t) p->n;
  attr.license = (uintptr_t) "Apache";
  fd = (int) bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  if (errno == EPERM)
    return sie_error (err, errno, F_DEV ": load the device filter (needs CAP_BPF or CAP_SYS_ADMIN)");
  /* again with the verifier's log, to say why */
  attr.log_buf = (uintptr_t) log;
  attr.log_size = sizeof (log);
  attr.log_level = 1;
  log[0] = '\0';
  fd = (int) bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  for (char *c = log; *c; c++)
    if (*c == '\n')
      *c = ' ';
  return sie_error (err, errno, F_DEV ": load the device filter: %.200s", log);
}

/* Swaps the filter in: attach the new program, then detach the ones that
 * were there (an update replaces; the new one is in place first). */
static int
attach_program (const char *dir, int prog_fd, sie_error_t *err)
{
  cleanup_close int cg_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uint32_t old_ids[64], n_old = ARRAY_SIZE (old_ids);
  union bpf_attr attr;

  if (cg_fd < 0)
    return sie_error (err, errno, F_DEV ": open %s", dir);
  memset (&attr, 0, sizeof (attr));
  attr.query.target_fd = cg_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uintptr_t) old_ids;
  attr.query.prog_cnt = n_old;
  n_old = bpf (BPF_PROG_QUERY, &attr) < 0 ? 0 : attr.query.prog_cnt;

  memset (&attr, 0, sizeof (attr));
  attr.target_fd = cg_fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf (BPF_PROG_ATTACH, &attr) < 0)
    return sie_error (err, errno, F_DEV ": attach the device filter to %s", dir);

  for (uint32_t i = 0; i < n_old && i < ARRAY_SIZE (old_ids); i++)
    {
      cleanup_close int old_fd = -1;
      memset (&attr, 0, sizeof (attr));
      attr.prog_id = old_ids[i];
      old_fd = (int) bpf (BPF_PROG_GET_FD_BY_ID, &attr);
      if (old_fd < 0)
        continue;
      memset (&attr, 0, sizeof (attr));
      attr.target_fd = cg_fd;
      attr.attach_bpf_fd = old_fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return sie_error (err, errno, F_DEV ": detach the previous device filter from %s", dir);
    }
  return 0;
}

int
sie_cg_devices_v2 (const char *dir, const struct sie_resources *res, sie_error_t *err)
{
  cleanup_free struct rule *rules = NULL;
  struct prog p = { 0 };
  cleanup_close int prog_fd = -1;
  size_t n = 0;
  int ret = 0;

  if (build_rules (res, &rules, &n, err) < 0)
    return -1;
  ret = emit_prologue (&p);
  /* the verifier refuses unreachable code: stop after a rule that matches
     everything (the leading deny-all at the latest) */
  for (size_t i = n; ret == 0 && i-- > 0;)
    {
      ret = emit_rule (&p, &rules[i]);
      if (matches_all (&rules[i]))
        break;
    }
  if (ret < 0)
    {
      free (p.insns);
      return sie_error (err, ENOMEM, F_DEV);
    }
  prog_fd = load_program (&p, err);
  free (p.insns);
  if (prog_fd < 0)
    return -1;
  return attach_program (dir, prog_fd, err);
}
