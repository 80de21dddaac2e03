#ifndef MRW_TESTS_THREAD_COUNTS_H
#define MRW_TESTS_THREAD_COUNTS_H

// Every kernel test runs with these pool sizes.
static const int kThreadCounts[] = {1, 2, 4};

#endif
