/* libarchive, loaded on first use.  Linked like the other libraries it
 * would bring libxml2, ICU and libstdc++ into every sie exec (it needs
 * them for formats sie never writes), which costs each container start a
 * few milliseconds; only `sie relocate --copy-rootfs` and `sie serve`
 * need it.  The table holds pointers with the exact prototypes of
 * <archive.h>, called as la->archive_write_new (). */
#ifndef SIE_ARCHIVE_DL_H
#define SIE_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>

#include "util/error.h"

#define SIE_ARCHIVE_FUNCS(X)                                                   \
  X (archive_error_string)                                                     \
  X (archive_entry_acl_add_entry)                                              \
  X (archive_entry_clear)                                                      \
  X (archive_entry_copy_pathname)                                              \
  X (archive_entry_copy_symlink)                                               \
  X (archive_entry_filetype)                                                   \
  X (archive_entry_free)                                                       \
  X (archive_entry_gid)                                                        \
  X (archive_entry_hardlink)                                                   \
  X (archive_entry_linkify)                                                    \
  X (archive_entry_linkresolver_free)                                          \
  X (archive_entry_linkresolver_new)                                           \
  X (archive_entry_linkresolver_set_strategy)                                  \
  X (archive_entry_mtime)                                                      \
  X (archive_entry_mtime_nsec)                                                 \
  X (archive_entry_new)                                                        \
  X (archive_entry_pathname)                                                   \
  X (archive_entry_perm)                                                       \
  X (archive_entry_set_dev)                                                    \
  X (archive_entry_set_filetype)                                               \
  X (archive_entry_set_gid)                                                    \
  X (archive_entry_set_ino)                                                    \
  X (archive_entry_set_mtime)                                                  \
  X (archive_entry_set_nlink)                                                  \
  X (archive_entry_set_perm)                                                   \
  X (archive_entry_set_rdev)                                                   \
  X (archive_entry_set_size)                                                   \
  X (archive_entry_set_uid)                                                    \
  X (archive_entry_size)                                                       \
  X (archive_entry_sparse_add_entry)                                           \
  X (archive_entry_symlink)                                                    \
  X (archive_entry_uid)                                                        \
  X (archive_entry_xattr_add_entry)                                            \
  X (archive_entry_xattr_next)                                                 \
  X (archive_entry_xattr_reset)                                                \
  X (archive_read_data_block)                                                  \
  X (archive_read_free)                                                        \
  X (archive_read_new)                                                         \
  X (archive_read_next_header)                                                 \
  X (archive_read_open_fd)                                                     \
  X (archive_read_support_format_tar)                                          \
  X (archive_write_close)                                                      \
  X (archive_write_data)                                                       \
  X (archive_write_data_block)                                                 \
  X (archive_write_disk_new)                                                   \
  X (archive_write_disk_set_options)                                           \
  X (archive_write_finish_entry)                                               \
  X (archive_write_free)                                                       \
  X (archive_write_header)                                                     \
  X (archive_write_new)                                                        \
  X (archive_write_open)                                                       \
  X (archive_write_set_bytes_in_last_block)                                    \
  X (archive_write_set_bytes_per_block)                                        \
  X (archive_write_set_format_option)                                          \
  X (archive_write_set_format_pax)

struct sie_archive_api
{
#define SIE_ARCHIVE_PTR(f) __typeof__ (f) *f;
  SIE_ARCHIVE_FUNCS (SIE_ARCHIVE_PTR)
#undef SIE_ARCHIVE_PTR
};

/* Loads libarchive.so.13 once (thread-safe); NULL with *err set when it
 * is missing. */
const struct sie_archive_api *sie_archive_api (sie_error_t *err);

#endif
