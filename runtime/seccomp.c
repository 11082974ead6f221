/* linux.seccomp through libseccomp.
 *
 * The whole filter is built and compiled to BPF in the parent
 * (sie_seccomp_prepare), so every config error, and every error libseccomp
 * or the kernel's size limit can raise, is reported before clone().  The
 * container's init then loads the ready program with one seccomp(2) call
 * (sie_seccomp_install), as runc does since it patches its filters: no
 * allocation there, and the SECCOMP_FILTER_FLAG_* the profile asks for are
 * passed straight to the kernel, including WAIT_KILLABLE_RECV, which
 * libseccomp 2.5 has no attribute for.  Owning the program also lets a
 * runc-style -ENOSYS stub run ahead of libseccomp's filter (see below). */
#include "runtime/security.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

#define MAX_SYSCALL_ARGS 6

struct sie_seccomp_prog
{
  struct sock_filter *insns;
  unsigned short n_insns;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
  bool notify;
};

/* ---- names ---- */

struct name_value
{
  const char *name;
  uint32_t value;
};

enum action_kind
{
  ACT_PLAIN,
  ACT_ERRNO, /* takes errnoRet, default EPERM */
  ACT_TRACE, /* takes errnoRet as the tracer's message, default EPERM */
};

static const struct
{
  const char *name;
  uint32_t action;
  enum action_kind kind;
} actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, ACT_PLAIN },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), ACT_ERRNO },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), ACT_TRACE },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_PLAIN },
};

static const struct name_value arches[] = {
  { "SCMP_ARCH_NATIVE", SCMP_ARCH_NATIVE },
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
  { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
  { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
  { "SCMP_ARCH_SH", SCMP_ARCH_SH },
  { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

static const struct name_value operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct name_value filter_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static const struct name_value *
lookup (const struct name_value *table, size_t n, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

/* `field` names the action ("linux.seccomp.syscalls[3]"); the errnoRet
 * lives beside it. */
static int
resolve_action (const char *name, sie_opt_u64 errno_ret, const char *field,
                const char *action_key, const char *errno_key, uint32_t *out, sie_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (actions); i++)
    {
      if (name == NULL || strcmp (actions[i].name, name) != 0)
        continue;
      *out = actions[i].action;
      if (actions[i].kind == ACT_PLAIN)
        return 0; /* runc ignores errnoRet on the other actions */
      if (errno_ret.set && errno_ret.v > 0xffff)
        return sie_error (err, 0, "%s.%s: %llu is out of range (0-65535)", field, errno_key,
                          (unsigned long long) errno_ret.v);
      *out |= errno_ret.set ? (uint32_t) errno_ret.v : (uint32_t) EPERM;
      return 0;
    }
  if (name == NULL)
    return sie_error (err, 0, "%s.%s: required", field, action_key);
  return sie_error (err, 0, "%s.%s: unknown action \"%s\"", field, action_key, name);
}

/* ---- building ---- */

static void
release_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}
#define cleanup_scmp __attribute__ ((cleanup (release_ctx)))

static int
add_arches (scmp_filter_ctx ctx, const struct sie_seccomp *s, sie_error_t *err)
{
  for (size_t i = 0; s->architectures && s->architectures[i]; i++)
    {
      const struct name_value *a = lookup (arches, ARRAY_SIZE (arches), s->architectures[i]);
      int ret;

      if (a == NULL)
        return sie_error (err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                          i, s->architectures[i]);
      ret = seccomp_arch_add (ctx, a->value);
      if (ret < 0 && ret != -EEXIST)
        return sie_error (err, -ret, "linux.seccomp.architectures[%zu]: adding %s", i,
                          s->architectures[i]);
    }
  return 0;
}

static bool
any_notify_rule (const struct sie_seccomp *s)
{
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (s->syscalls[i].action && strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

/* LOG and SPEC_ALLOW also go through libseccomp, which checks that the
 * kernel supports them, so an unsupported flag fails here, not in init. */
static int
parse_flags (scmp_filter_ctx ctx, const struct sie_seccomp *s, bool notify, unsigned int *out,
             sie_error_t *err)
{
  *out = 0;
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    {
      const struct name_value *f = lookup (filter_flags, ARRAY_SIZE (filter_flags), s->flags[i]);
      int ret = 0;

      if (f == NULL)
        return sie_error (err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
      if (f->value == SECCOMP_FILTER_FLAG_LOG)
        ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_LOG, 1);
      else if (f->value == SECCOMP_FILTER_FLAG_SPEC_ALLOW)
        ret = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_SSB, 1);
      else if (f->value == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify)
        return sie_error (err, 0, "linux.seccomp.flags[%zu]: %s needs a SCMP_ACT_NOTIFY rule", i,
                          s->flags[i]);
      if (ret < 0)
        return sie_error (err, -ret, "linux.seccomp.flags[%zu]: %s is not supported here", i,
                          s->flags[i]);
      *out |= f->value;
    }
  if (notify)
    *out |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  /* The kernel refuses TSYNC with a listener unless a failed sync reports
   * ESRCH (its return value is otherwise the listener fd). */
  if ((*out & SECCOMP_FILTER_FLAG_TSYNC) && notify)
    *out |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  return 0;
}

/* Caller frees *out. */
static int
parse_args (const struct sie_seccomp_syscall *sc, size_t idx, struct scmp_arg_cmp **out,
            bool *one_rule_per_arg, sie_error_t *err)
{
  unsigned int per_index[MAX_SYSCALL_ARGS] = { 0 };
  struct scmp_arg_cmp *conds;

  *one_rule_per_arg = false;
  *out = conds = calloc (sc->n_args + 1, sizeof (*conds));
  if (conds == NULL)
    return sie_error (err, errno, "linux.seccomp.syscalls[%zu].args", idx);
  for (size_t j = 0; j < sc->n_args; j++)
    {
      const struct sie_seccomp_arg *a = &sc->args[j];
      const struct name_value *op = lookup (operators, ARRAY_SIZE (operators), a->op);

      if (a->index >= MAX_SYSCALL_ARGS)
        return sie_error (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0-5)",
                          idx, j, a->index);
      if (op == NULL && a->op == NULL)
        return sie_error (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: required", idx, j);
      if (op == NULL)
        return sie_error (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
                          idx, j, a->op);
      conds[j] = (struct scmp_arg_cmp){ .arg = a->index, .op = op->value,
                                        .datum_a = a->value, .datum_b = a->value_two };
      /* As runc: two conditions on one argument cannot be ANDed in one
       * libseccomp rule, so each condition becomes its own rule. */
      if (++per_index[a->index] > 1)
        *one_rule_per_arg = true;
    }
  return 0;
}

static int
add_syscall_rules (scmp_filter_ctx ctx, const struct sie_seccomp_syscall *sc, size_t idx,
                   uint32_t default_action, sie_error_t *err)
{
  cleanup_free struct scmp_arg_cmp *conds = NULL;
  bool one_rule_per_arg;
  uint32_t action;
  char field[64];

  snprintf (field, sizeof field, "linux.seccomp.syscalls[%zu]", idx);
  if (resolve_action (sc->action, sc->errno_ret, field, "action", "errnoRet", &action, err) < 0
      || parse_args (sc, idx, &conds, &one_rule_per_arg, err) < 0)
    return -1;
  if (action == default_action)
    return 0; /* libseccomp refuses rules that repeat the default */

  for (size_t n = 0; sc->names && sc->names[n]; n++)
    {
      int nr = seccomp_syscall_resolve_name (sc->names[n]);
      int ret = 0;

      if (action == SCMP_ACT_NOTIFY && strcmp (sc->names[n], "write") == 0)
        return sie_error (err, 0, "%s: SCMP_ACT_NOTIFY cannot be used for \"write\"", field);
      if (nr == __NR_SCMP_ERROR)
        continue; /* not a syscall this libseccomp knows: skipped, as runc does */
      if (one_rule_per_arg)
        for (size_t j = 0; j < sc->n_args && ret == 0; j++)
          ret = seccomp_rule_add_array (ctx, action, nr, 1, &conds[j]);
      else
        ret = seccomp_rule_add_array (ctx, action, nr, (unsigned int) sc->n_args, conds);
      if (ret < 0)
        return sie_error (err, -ret, "%s: adding the rule for \"%s\"", field, sc->names[n]);
    }
  return 0;
}

/* ---- the -ENOSYS stub ----
 *
 * As runc does: a profile written before a syscall existed would answer it
 * with its default action (often EPERM), and libc then never falls back to
 * the older call (clone3 -> clone, faccessat2 -> faccessat, ...).  A short
 * program runs before libseccomp's: for each listed architecture, a syscall
 * number above the highest one the profile names gets ENOSYS.  It is left
 * out when the default action is permissive or already ENOSYS, and, as in
 * runc, when the profile lists no architectures. */

#define X32_SYSCALL_BIT 0x40000000U
#define NO_MAX UINT32_MAX /* "jgt NO_MAX" is never taken */
#define STUB_MAX_ARCHES 32
#define STUB_MAX_INSNS (STUB_MAX_ARCHES * 12 + 1)

struct stub_arch
{
  uint32_t audit;  /* AUDIT_ARCH_*, what seccomp_data.arch holds */
  uint32_t max[2]; /* highest syscall: [0] native mode, [1] x32 mode */
};

struct stub
{
  struct sock_filter insns[STUB_MAX_INSNS];
  size_t n;
};

static bool
wants_enosys_stub (const struct sie_seccomp *s, uint32_t default_action)
{
  uint32_t base = default_action & 0xffff0000U; /* without the errno/trace data */

  if (s->architectures == NULL || s->architectures[0] == NULL)
    return false;
  /* TRACE counts as permissive: a tracer handles new syscalls itself. */
  if (base == SCMP_ACT_ALLOW || base == SCMP_ACT_LOG || base == SCMP_ACT_TRACE (0)
      || default_action == SCMP_ACT_ERRNO (ENOSYS))
    return false;
  return true;
}

static uint32_t
highest_syscall (const struct sie_seccomp *s, uint32_t token)
{
  uint32_t max = NO_MAX;

  for (size_t i = 0; i < s->n_syscalls; i++)
    for (char **name = s->syscalls[i].names; name && *name; name++)
      {
        int nr = seccomp_syscall_resolve_name_arch (token, *name);
        if (nr >= 0 && (max == NO_MAX || (uint32_t) nr > max))
          max = (uint32_t) nr;
      }
  return max;
}

/* Collects the listed architectures by AUDIT_ARCH; x86_64 and x32 share one
 * and differ by the x32 bit in the syscall number. */
static size_t
stub_arches (const struct sie_seccomp *s, struct stub_arch *out)
{
  size_t n = 0;

  for (size_t i = 0; s->architectures[i]; i++)
    {
      const struct name_value *a = lookup (arches, ARRAY_SIZE (arches), s->architectures[i]);
      uint32_t token, audit;
      int mode;
      size_t j;

      if (a == NULL)
        continue; /* refused earlier by add_arches */
      token = a->value == SCMP_ARCH_NATIVE ? seccomp_arch_native () : a->value;
      audit = token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token;
      mode = token == SCMP_ARCH_X32;
      for (j = 0; j < n && out[j].audit != audit; j++)
        ;
      if (j == n)
        {
          if (n == STUB_MAX_ARCHES)
            continue;
          out[n++] = (struct stub_arch){ .audit = audit, .max = { NO_MAX, NO_MAX } };
        }
      out[j].max[mode] = highest_syscall (s, token);
    }
  return n;
}

static void
emit (struct stub *st, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
  st->insns[st->n++] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
}

/* nr > max: ENOSYS; otherwise on to the filter (the BPF_JA, aimed at the
 * end of the stub once its length is known). */
static void
emit_mode_check (struct stub *st, uint32_t max, bool s390)
{
  /* On s390 an unknown syscall number arrives as 0, setup(2)'s, which no
   * program uses any more. */
  if (s390)
    emit (st, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
  emit (st, BPF_JMP | BPF_JGT | BPF_K, max, 0, 1);
  emit (st, BPF_RET | BPF_K, SCMP_ACT_ERRNO (ENOSYS), 0, 0);
  emit (st, BPF_JMP | BPF_JA, 0, 0, 0);
}

static void
emit_arch_block (struct stub *st, const struct stub_arch *a)
{
  size_t start = st->n;

  emit (st, BPF_JMP | BPF_JEQ | BPF_K, a->audit, 0, 0);
  emit (st, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr), 0, 0);
  if (a->audit == SCMP_ARCH_X86_64)
    {
      emit (st, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 3, 0);
      emit_mode_check (st, a->max[0], false);
      emit_mode_check (st, a->max[1], false);
    }
  else
    emit_mode_check (st, a->max[0], a->audit == SCMP_ARCH_S390 || a->audit == SCMP_ARCH_S390X);
  st->insns[start].jf = (uint8_t) (st->n - start - 1); /* another arch: next block */
}

static void
build_enosys_stub (const struct sie_seccomp *s, uint32_t default_action, struct stub *st)
{
  struct stub_arch list[STUB_MAX_ARCHES];
  size_t n_arches;

  st->n = 0;
  if (!wants_enosys_stub (s, default_action))
    return;
  n_arches = stub_arches (s, list);
  emit (st, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch), 0, 0);
  for (size_t i = 0; i < n_arches; i++)
    emit_arch_block (st, &list[i]);
  for (size_t i = 0; i < st->n; i++)
    if (st->insns[i].code == (BPF_JMP | BPF_JA))
      st->insns[i].k = (uint32_t) (st->n - i - 1);
}

/* libseccomp 2.5 can only write the program to a file descriptor.  The
 * stub goes first, the filter after it. */
static int
export_program (scmp_filter_ctx ctx, const struct stub *st, struct sie_seccomp_prog *p,
                sie_error_t *err)
{
  cleanup_close int fd = memfd_create ("sie-seccomp-bpf", MFD_CLOEXEC);
  size_t n_filter, total;
  off_t size;
  int ret;

  if (fd < 0)
    return sie_error (err, errno, "linux.seccomp: memfd_create");
  ret = seccomp_export_bpf (ctx, fd);
  if (ret < 0)
    return sie_error (err, -ret, "linux.seccomp: generating the BPF program");
  size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return sie_error (err, errno, "linux.seccomp: reading the BPF program");
  if (size == 0 || size % sizeof (struct sock_filter) != 0)
    return sie_error (err, 0, "linux.seccomp: libseccomp produced a malformed program (%lld bytes)",
                      (long long) size);
  n_filter = (size_t) size / sizeof (struct sock_filter);
  total = st->n + n_filter;
  if (total > BPF_MAXINSNS)
    return sie_error (err, 0, "linux.seccomp: the filter needs %zu instructions, more than the "
                      "kernel's limit of %d", total, BPF_MAXINSNS);

  p->insns = calloc (total, sizeof (struct sock_filter));
  if (p->insns == NULL)
    return sie_error (err, errno, "linux.seccomp");
  memcpy (p->insns, st->insns, st->n * sizeof (struct sock_filter));
  if (pread (fd, p->insns + st->n, (size_t) size, 0) != size)
    return sie_error (err, errno ? errno : EIO, "linux.seccomp: reading the BPF program");
  p->n_insns = (unsigned short) total;
  return 0;
}

static int
build (const struct sie_seccomp *s, struct sie_seccomp_prog *p, sie_error_t *err)
{
  cleanup_scmp scmp_filter_ctx ctx = NULL;
  uint32_t default_action;
  struct stub stub;

  if (resolve_action (s->default_action, s->default_errno_ret, "linux.seccomp", "defaultAction",
                      "defaultErrnoRet", &default_action, err) < 0)
    return -1;
  if (default_action == SCMP_ACT_NOTIFY)
    return sie_error (err, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  p->notify = any_notify_rule (s);
  if (p->notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
    return sie_error (err, 0, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");

  ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return sie_error (err, 0, "linux.seccomp.defaultAction: %s is not supported by this kernel",
                      s->default_action);
  /* init sets no_new_privs itself, when the config asks for it. */
  if (seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
    return sie_error (err, 0, "linux.seccomp: clearing the no_new_privs attribute");
  /* A binary tree beats a linear scan for long profiles (runc's threshold;
   * libseccomp <= 2.5.4 misbehaves with it on empty filters). */
  if (s->n_syscalls > 32)
    (void) seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  if (add_arches (ctx, s, err) < 0 || parse_flags (ctx, s, p->notify, &p->flags, err) < 0)
    return -1;
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (add_syscall_rules (ctx, &s->syscalls[i], i, default_action, err) < 0)
      return -1;
  build_enosys_stub (s, default_action, &stub);
  return export_program (ctx, &stub, p, err);
}

int
sie_seccomp_prepare (const struct sie_seccomp *s, struct sie_seccomp_prog **out, sie_error_t *err)
{
  struct sie_seccomp_prog *p;

  *out = NULL;
  if (s == NULL)
    return 0;
  p = calloc (1, sizeof (*p));
  if (p == NULL)
    return sie_error (err, errno, "linux.seccomp");
  if (build (s, p, err) < 0)
    {
      sie_seccomp_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

bool
sie_seccomp_uses_notify (const struct sie_seccomp_prog *p)
{
  return p != NULL && p->notify;
}

int
sie_seccomp_install (struct sie_seccomp_prog *p, int *listener_fd, sie_error_t *err)
{
  struct sock_fprog prog;
  long ret;

  if (listener_fd)
    *listener_fd = -1;
  if (p == NULL)
    return 0;

  prog = (struct sock_fprog){ .len = p->n_insns, .filter = p->insns };
  ret = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (ret < 0 && errno == EACCES)
    return sie_error (err, errno, "linux.seccomp: loading the filter (needs CAP_SYS_ADMIN or "
                      "process.noNewPrivileges)");
  if (ret < 0 && errno == ESRCH)
    return sie_error (err, errno, "linux.seccomp: loading the filter: another thread could not "
                      "be synchronized (SECCOMP_FILTER_FLAG_TSYNC)");
  if (ret < 0)
    return sie_error (err, errno, "linux.seccomp: loading the filter");
  /* TSYNC without a listener reports the thread it could not sync. */
  if (ret > 0 && !p->notify)
    return sie_error (err, 0, "linux.seccomp: loading the filter: thread %ld could not be "
                      "synchronized (SECCOMP_FILTER_FLAG_TSYNC)", ret);
  if (p->notify && listener_fd)
    *listener_fd = (int) ret;
  else if (p->notify)
    close ((int) ret);
  return 0;
}

void
sie_seccomp_free (struct sie_seccomp_prog *p)
{
  if (p == NULL)
    return;
  free (p->insns);
  free (p);
}
