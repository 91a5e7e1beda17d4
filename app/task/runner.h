/*
 * runner.h - the thread every background task runs on (keygen, the
 * federation inbox and outbox): it calls the task's step function at
 * start, whenever the task is woken, and when the pause the last step
 * asked for is over; and it stops so that nothing touches the store
 * after task_runner_stop returns.
 *
 * The step runs without the runner's lock. Each store access inside a
 * step sits between task_runner_enter (false: the task is stopping, do
 * nothing) and task_runner_leave. task_runner_stop sets the stop flag
 * under that lock, so once it returns no step is inside a store access
 * and none will begin one. Slow work (sending, generating a key) runs
 * outside enter/leave, so a stop never waits for it longer than asked.
 */
#ifndef POD_TASK_RUNNER_H
#define POD_TASK_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TASK_RUNNER_AGAIN 0          /* step result: run the next step at once */
#define TASK_RUNNER_IDLE  UINT64_MAX /* step result: sleep until woken */

struct task_runner;

/* One round of a task's work; ctx is the task's. Returns how long to
 * sleep (ms) before the next round unless woken earlier, or one of the
 * two values above. */
typedef uint64_t (*task_step_fn)(struct task_runner *r, void *ctx);

/* Starts a thread named name (for logs; borrowed, a literal) with a stack
 * of stack_bytes that calls step(r, ctx) at once and then as the steps
 * ask. *out is set before the thread starts, so ctx may hold it. ctx
 * stays the caller's until task_runner_stop. POD_ERR_NOMEM when no
 * thread can be made. */
int task_runner_start(struct task_runner **out, const char *name, size_t stack_bytes,
                      task_step_fn step, void *ctx);

/* Runs the next step as soon as the current one (if any) returns. NULL
 * does nothing. */
void task_runner_wake(struct task_runner *r);

/* Before a store access in a step: takes the lock and answers true, or
 * answers false (lock not held) when the task is stopping. */
bool task_runner_enter(struct task_runner *r);

/* After the store access that task_runner_enter allowed. */
void task_runner_leave(struct task_runner *r);

/* True when stop was asked (for long loops inside one step). */
bool task_runner_stopping(struct task_runner *r);

/*
 * Stops the thread and frees the runner. Waits at most wait_ms (0: as
 * long as it takes) for the current step to return; then free_ctx(ctx)
 * runs (may be NULL) and true is answered. A step still busy after
 * wait_ms (outside enter/leave, by the rule above) is left to finish on
 * its own: it frees ctx and the runner itself when it returns, and false
 * is answered. Either way no store access happens after the return. NULL
 * answers true.
 */
bool task_runner_stop(struct task_runner *r, unsigned wait_ms, void (*free_ctx)(void *ctx));

#endif
