// SPDX-License-Identifier: GPL-2.0
/*
 * xfs lock holds from the xfs_ilock/iunlock/demote tracepoints (imports):
 * what a task holds becomes "by me"; not holding proves something only
 * for fault-around.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xfs_holds.h"

#define DEV	((7u << 20) | 1)
#define INO	131
#define ME	100
#define OTHER	200

/* An event of @type by @pid on the test inode, its lock states from @hs. */
static struct fl_event states_of(struct fl_xfs_holds *hs, unsigned int type, uint32_t pid)
{
	struct fl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.pid = pid;
	ev.inode.dev = DEV;
	ev.inode.ino = INO;
	fl_xfs_holds_states(hs, &ev);
	return ev;
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fl_xfs_holds));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_held_by_me(void **state)
{
	struct fl_xfs_holds *hs = *state;
	struct fl_event ev;

	fl_xfs_holds_record(hs, FL_XFS_LOCK, ME, DEV, INO,
			    FL_XFS_IOLOCK_EXCL | FL_XFS_MMAPLOCK_EXCL);
	ev = states_of(hs, FL_EV_INSERT, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_EXCL_ME);
	assert_int_equal(ev.i_rwsem, FL_LOCK_EXCL_ME);

	fl_xfs_holds_record(hs, FL_XFS_DEMOTE, ME, DEV, INO,
			    FL_XFS_IOLOCK_EXCL | FL_XFS_MMAPLOCK_EXCL);
	ev = states_of(hs, FL_EV_INSERT, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_SHARED_ME);
	assert_int_equal(ev.i_rwsem, FL_LOCK_SHARED_ME);

	fl_xfs_holds_record(hs, FL_XFS_UNLOCK, ME, DEV, INO,
			    FL_XFS_IOLOCK_SHARED | FL_XFS_MMAPLOCK_SHARED);
	assert_int_equal(hs->n, 0);	/* nothing held: entry dropped */
	assert_int_equal(hs->records, 3);
}

/* Not holding a traced lock proves nothing, except for fault-around. */
static void test_not_held(void **state)
{
	struct fl_xfs_holds *hs = *state;
	struct fl_event ev;

	ev = states_of(hs, FL_EV_INSERT, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_NA);
	assert_int_equal(ev.i_rwsem, FL_LOCK_NA);

	ev = states_of(hs, FL_EV_MAP_PAGES, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_FREE);
	assert_int_equal(ev.i_rwsem, FL_LOCK_NA);

	/* another task's hold, on this inode only */
	fl_xfs_holds_record(hs, FL_XFS_LOCK, OTHER, DEV, INO + 1, FL_XFS_MMAPLOCK_EXCL);
	ev = states_of(hs, FL_EV_MAP_PAGES, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_FREE);
	fl_xfs_holds_record(hs, FL_XFS_LOCK, OTHER, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	ev = states_of(hs, FL_EV_MAP_PAGES, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_READERS_NOT_ME);
	fl_xfs_holds_record(hs, FL_XFS_UNLOCK, OTHER, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	fl_xfs_holds_record(hs, FL_XFS_LOCK, OTHER, DEV, INO, FL_XFS_MMAPLOCK_EXCL);
	ev = states_of(hs, FL_EV_MAP_PAGES, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_EXCL_OTHER);
	assert_int_equal(ev.inval_owner, OTHER);

	/* the holder itself is "by me" */
	ev = states_of(hs, FL_EV_MAP_PAGES, OTHER);
	assert_int_equal(ev.inval_lock, FL_LOCK_EXCL_ME);
}

/* Unlocks of locks taken before the recording, nested locks, a full table. */
static void test_robust(void **state)
{
	struct fl_xfs_holds *hs = *state;
	struct fl_event ev;

	fl_xfs_holds_record(hs, FL_XFS_UNLOCK, ME, DEV, INO, FL_XFS_MMAPLOCK_EXCL);
	fl_xfs_holds_record(hs, FL_XFS_DEMOTE, ME, DEV, INO, FL_XFS_MMAPLOCK_EXCL);
	assert_int_equal(hs->n, 0);

	fl_xfs_holds_record(hs, FL_XFS_LOCK, ME, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	fl_xfs_holds_record(hs, FL_XFS_LOCK, ME, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	fl_xfs_holds_record(hs, FL_XFS_UNLOCK, ME, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	ev = states_of(hs, FL_EV_MAP_PAGES, ME);
	assert_int_equal(ev.inval_lock, FL_LOCK_SHARED_ME);
	fl_xfs_holds_record(hs, FL_XFS_UNLOCK, ME, DEV, INO, FL_XFS_MMAPLOCK_SHARED);
	assert_int_equal(hs->n, 0);

	for (uint32_t pid = 1; pid <= FL_XFS_MAX_HOLDS + 5; pid++)
		fl_xfs_holds_record(hs, FL_XFS_LOCK, pid, DEV, INO, FL_XFS_IOLOCK_SHARED);
	assert_int_equal(hs->n, FL_XFS_MAX_HOLDS);
	assert_int_equal(hs->overflow, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_by_me, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
