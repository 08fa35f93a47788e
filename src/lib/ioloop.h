/* SPDX-License-Identifier: MIT */
/*
 * The event loop: epoll underneath (our own small module; see
 * doc/design-decisions.md for why not libevent), timers in a min-heap,
 * signals through signalfd, and child-exit notification. One loop per
 * process, created with ioloop_create() and run with ioloop_run();
 * current_ioloop is the one that io_add()/timeout_add() register with.
 *
 * Callbacks are type-checked: io_add(fd, IO_READ, cb, ctx) requires
 * cb to be void (*)(typeof(ctx)).
 */
#ifndef ROOST_IOLOOP_H
#define ROOST_IOLOOP_H

#include <signal.h>
#include <sys/time.h>

enum io_condition {
	IO_READ = 0x01,
	IO_WRITE = 0x02,
};

struct ioloop;
struct io;
struct timeout;

typedef void io_callback_t(void *context);
typedef void signal_handler_t(int signo, void *context);
typedef void child_exit_callback_t(pid_t pid, int wait_status, void *context);

extern struct ioloop *current_ioloop;
/* Wall-clock time cached at the start of each loop iteration. */
extern time_t ioloop_time;
extern struct timeval ioloop_timeval;

struct ioloop *ioloop_create(void);
/* All ios and timeouts must have been removed first. */
void ioloop_destroy(struct ioloop **ioloop);
/* Runs until ioloop_stop() is called. */
void ioloop_run(struct ioloop *ioloop);
void ioloop_stop(struct ioloop *ioloop);
/* Refresh ioloop_time / ioloop_timeval now. */
void ioloop_time_refresh(void);
/* Monotonic milliseconds, for durations. */
uint64_t ioloop_monotonic_msecs(void);

/* Watch fd for the condition. Level-triggered: the callback runs as long as
   the fd is readable/writable (hang-up and errors count as both). One io
   per fd and condition; IO_READ and IO_WRITE on the same fd are separate
   ios. Remove the io before closing its fd. A callback may remove any io
   (its own too) and add new ones; an fd number reused within one loop
   iteration can see one spurious callback, so callbacks must tolerate
   EAGAIN (streams do). Requires current_ioloop. */
struct io *io_add_(int fd, enum io_condition condition,
		   io_callback_t *callback, void *context);
#define io_add(fd, condition, callback, context) \
	io_add_((fd), (condition), (io_callback_t *)(callback), \
		(char *)(context) + CALLBACK_TYPECHECK(callback, \
			void (*)(__typeof__(context))))
/* Sets *io to NULL. Safe to call from inside the io's own callback. */
void io_remove(struct io **io);

/* Calls callback every msecs until removed (remove it in the callback for a
   one-shot timer). msecs 0 runs it on the next loop iteration. */
struct timeout *timeout_add_(unsigned int msecs, io_callback_t *callback,
			     void *context);
#define timeout_add(msecs, callback, context) \
	timeout_add_((msecs), (io_callback_t *)(callback), \
		(char *)(context) + CALLBACK_TYPECHECK(callback, \
			void (*)(__typeof__(context))))
void timeout_remove(struct timeout **timeout);
/* Restart the timer's countdown from now. */
void timeout_reset(struct timeout *timeout);

/* Deliver signo through the loop (not in signal context): the signal is
   blocked and read from a signalfd. One handler per signal; handler NULL
   removes it and gives the signal back its default action. SIGPIPE is
   ignored by ioloop_create(). Requires current_ioloop. */
void lib_signals_set_handler(int signo, signal_handler_t *handler,
			     void *context);
/* Call callback from the loop when child pid exits (SIGCHLD and waitpid are
   handled inside the loop; a child that exited before this call is found
   too). Never called from inside child_wait_add(). The loop reaps every
   exited child (waitpid(-1, WNOHANG)); exits of children nobody waits for
   are dropped. */
void child_wait_add(pid_t pid, child_exit_callback_t *callback, void *context);
void child_wait_remove(pid_t pid);
/* Call in a forked child before exec: unblocks every signal the loop had
   routed through signalfd and restores SIGPIPE. */
void lib_signals_reset_for_child(void);

#endif
