#include "cthreadpool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <immintrin.h>

// A region is published as one 64-bit ticket: generation (24 bits) | iterations (20) | next index (20).
// Claiming an index is one fetch_add, and the claimer decodes generation, count and index from the same
// value, so it can never pair an index with another region's count; a region's task and context stay
// fixed until every one of its indices has run, and an index is only ever claimed below its count.
#define IDX_BITS 20
#define CNT_BITS 20
#define IDX_MASK ((1ULL << IDX_BITS) - 1)
#define CNT_MASK ((1ULL << CNT_BITS) - 1)
#define MAX_WORKERS 63
// About 120 µs of spinning (a pause is ~25 ns on this Xeon) before a worker sleeps: longer than the serial stretches
// between a step's regions, short enough to give the core back to other processes soon after a step.
#define SPIN_ROUNDS 5000

static _Atomic uint64_t ticket;
static _Atomic long finished;
static _Atomic long sleepers;
static ctp_task job_task;
static void *job_context;
static uint64_t generation;          // written by the region's owner only (under region_lock)
static long started;                 // workers started so far (under region_lock)
static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Thread_local int inside;     // this thread is running a region's index

static inline uint64_t gen_of(uint64_t t) { return t >> (IDX_BITS + CNT_BITS); }
static inline long count_of(uint64_t t) { return (long)((t >> IDX_BITS) & CNT_MASK); }

// Claims and runs indices of the current region until none is left.
static void drain(void) {
    for (;;) {
        uint64_t t = atomic_fetch_add_explicit(&ticket, 1, memory_order_acq_rel);
        long i = (long)(t & IDX_MASK), n = count_of(t);
        if (i >= n) break;
        inside = 1;
        job_task(job_context, i);
        inside = 0;
        atomic_fetch_add_explicit(&finished, 1, memory_order_release);
    }
}

// `last` is the generation published before the worker was created: it joins the very next region.
static void *worker_main(void *last) {
    uint64_t seen = (uint64_t)(uintptr_t)last;
    for (;;) {
        uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        for (int spin = 0; gen_of(t) == seen && spin < SPIN_ROUNDS; spin++) {
            _mm_pause();
            t = atomic_load_explicit(&ticket, memory_order_acquire);
        }
        if (gen_of(t) == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while (gen_of(atomic_load(&ticket)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
            t = atomic_load_explicit(&ticket, memory_order_acquire);
        }
        seen = gen_of(t);
        drain();
    }
    return 0;
}

void ctp_run(long iterations, long workers, ctp_task task, void *context) {
    if (iterations <= 0) return;
    if (iterations == 1 || workers <= 0 || inside || iterations >= (1L << 16)
        || pthread_mutex_trylock(&region_lock) != 0) {
        for (long i = 0; i < iterations; i++) task(context, i);
        return;
    }
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    while (started < workers) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&th, &attr, worker_main, (void *)(uintptr_t)generation);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;   // fewer workers: the caller runs more indices itself
        started++;
    }
    job_task = task;
    job_context = context;
    atomic_store_explicit(&finished, 0, memory_order_relaxed);
    generation = (generation + 1) & ((1ULL << (64 - IDX_BITS - CNT_BITS)) - 1);
    // seq_cst store, then seq_cst load of sleepers: pairs with the sleeper's increment-then-check.
    atomic_store(&ticket, (generation << (IDX_BITS + CNT_BITS)) | ((uint64_t)iterations << IDX_BITS));
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    drain();
    for (long spin = 0; atomic_load_explicit(&finished, memory_order_acquire) < iterations; spin++) {
        if (spin < 20000) _mm_pause(); else sched_yield();   // a descheduled worker: let it run
    }
    pthread_mutex_unlock(&region_lock);
}
