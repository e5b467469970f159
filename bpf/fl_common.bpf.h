/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every faultline BPF object includes, one header per concern:
 *
 *   fl_maps.bpf.h        kernel types, helpers, the loader's configuration,
 *                        the shared maps, FL_RD
 *   fl_core_fixes.bpf.h  every kernel variant, with its upstream commit
 *   fl_filter.bpf.h      which tasks and files are watched, counter slots
 *   fl_lockword.bpf.h    who holds a lock, from its lock word
 *   fl_event.bpf.h       building and sending events
 *   fl_window.bpf.h      invalidation windows
 */
#ifndef FL_COMMON_BPF_H
#define FL_COMMON_BPF_H

#include "fl_maps.bpf.h"
#include "fl_core_fixes.bpf.h"
#include "fl_filter.bpf.h"
#include "fl_lockword.bpf.h"
#include "fl_event.bpf.h"
#include "fl_window.bpf.h"

#endif /* FL_COMMON_BPF_H */
