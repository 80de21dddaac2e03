#ifndef MRW_TESTS_FAILING_ALLOC_H
#define MRW_TESTS_FAILING_ALLOC_H

#include <cstddef>
#include <string>

// A malloc that can fail on purpose, for the allocation-failure tests (native builds without a
// sanitizer only: it replaces the C library's malloc, calloc, realloc and free in the test
// program). While armed it counts the allocations made, fails the n-th one (1-based; 0: none),
// and remembers every block it handed out until that block is freed. With the environment
// variable MRW_FAILING_ALLOC_TRACE set, the failing allocation prints its call stack.
namespace failing_alloc {

// True where the replacement is built in (elsewhere the tests that need it are left out of
// the build's test list, not skipped).
bool available();

void arm(long fail_at);
// Disarms; returns the allocations counted while armed.
long disarm();
// Blocks allocated while armed and not yet freed.
long live_blocks();
std::size_t live_bytes();
// The blocks still live: size, and which armed window and allocation made them.
std::string describe_live();

}  // namespace failing_alloc

#endif
