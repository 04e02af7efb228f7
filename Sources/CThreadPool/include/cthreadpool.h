#ifndef CTHREADPOOL_H
#define CTHREADPOOL_H

/// One task of a parallel region: `index` is in 0..<iterations, each run exactly once.
typedef void (*ctp_task)(void *context, long index);

/// Runs task(context, i) for i in 0..<iterations on the calling thread and the pool's persistent workers
/// (created on first use, `workers` of them at most), and returns when every index has run. Workers spin
/// briefly after a region before they sleep, so the hand-offs of a training step's hundreds of short
/// regions cost well under a microsecond instead of a futex wake each. A call made from inside a region,
/// or while another thread's region is running, runs its indices inline: the result never depends on
/// which thread ran an index (callers make each index write disjoint memory).
void ctp_run(long iterations, long workers, ctp_task task, void *context);

#endif
