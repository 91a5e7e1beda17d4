#include "task/runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"

struct task_runner {
    const char *name;
    task_step_fn step;
    void *ctx;
    void (*free_ctx)(void *ctx); /* set by a stop that gave up waiting */
    pthread_t thread;
    pthread_mutex_t lock; /* guards the flags below and the steps' store accesses */
    pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
    bool stop;
    bool wake;
    bool finished;
    bool detached;
};

/* now + ms on the monotonic clock. */
static struct timespec
deadline_in(uint64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void
destroy(struct task_runner *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}

static void *
runner_main(void *arg)
{
    struct task_runner *r = arg;
    uint64_t pause = TASK_RUNNER_AGAIN;
    struct timespec until;
    bool detached;

    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        if (!r->wake && pause != TASK_RUNNER_AGAIN) {
            if (pause == TASK_RUNNER_IDLE) {
                pthread_cond_wait(&r->cond, &r->lock);
                continue;
            }
            until = deadline_in(pause);
            while (!r->wake && !r->stop)
                if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
                    break;
            if (r->stop)
                break;
        }
        r->wake = false;
        pthread_mutex_unlock(&r->lock);
        pause = r->step(r, r->ctx);
        pthread_mutex_lock(&r->lock);
    }
    r->finished = true;
    detached = r->detached;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (detached) { /* the stop did not wait for us: clean up alone */
        if (r->free_ctx)
            r->free_ctx(r->ctx);
        destroy(r);
    }
    return NULL;
}

int
task_runner_start(struct task_runner **out, const char *name, size_t stack_bytes, task_step_fn step,
                  void *ctx)
{
    struct task_runner *r = calloc(1, sizeof *r);
    pthread_condattr_t cattr;
    pthread_attr_t attr;
    int rc;

    if (!r)
        return POD_ERR_NOMEM;
    r->name = name;
    r->step = step;
    r->ctx = ctx;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &cattr);
    pthread_condattr_destroy(&cattr);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes);
    /* Before the thread starts: its first step may read *out (the task
     * keeps the runner in its own struct). */
    *out = r;
    rc = pthread_create(&r->thread, &attr, runner_main, r);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        *out = NULL;
        destroy(r);
        return POD_ERR_NOMEM;
    }
    return POD_OK;
}

void
task_runner_wake(struct task_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->wake = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

bool
task_runner_enter(struct task_runner *r)
{
    pthread_mutex_lock(&r->lock);
    if (!r->stop)
        return true;
    pthread_mutex_unlock(&r->lock);
    return false;
}

void
task_runner_leave(struct task_runner *r)
{
    pthread_mutex_unlock(&r->lock);
}

bool
task_runner_stopping(struct task_runner *r)
{
    bool s;

    pthread_mutex_lock(&r->lock);
    s = r->stop;
    pthread_mutex_unlock(&r->lock);
    return s;
}

bool
task_runner_stop(struct task_runner *r, unsigned wait_ms, void (*free_ctx)(void *ctx))
{
    struct timespec until = deadline_in(wait_ms);
    bool finished;

    if (!r)
        return true;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_broadcast(&r->cond);
    while (!r->finished) {
        if (wait_ms == 0)
            pthread_cond_wait(&r->cond, &r->lock);
        else if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
            break;
    }
    finished = r->finished;
    if (!finished) {
        /* From the unlock on, the thread may free r: copy what is used. */
        pthread_t thread = r->thread;
        const char *name = r->name;

        r->detached = true;
        r->free_ctx = free_ctx;
        pthread_detach(thread);
        pthread_mutex_unlock(&r->lock);
        LOG_INFO("task", "%s: stopping while a step is still busy; it ends on its own", name);
        return false;
    }
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    if (free_ctx)
        free_ctx(r->ctx);
    destroy(r);
    return true;
}
