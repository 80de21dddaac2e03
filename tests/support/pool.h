#ifndef MRW_TESTS_POOL_H
#define MRW_TESTS_POOL_H

#include <gtest/gtest.h>

extern "C" {
#include "base/thread_pool.h"
}

// A thread pool that lives for one scope.
class ScopedPool {
 public:
  explicit ScopedPool(int threads) {
    mrw_error err{};
    EXPECT_EQ(mrw_thread_pool_create(threads, &pool_, &err), MRW_OK) << err.message;
  }
  ~ScopedPool() { mrw_thread_pool_free(pool_); }
  ScopedPool(const ScopedPool &) = delete;
  ScopedPool &operator=(const ScopedPool &) = delete;
  mrw_thread_pool *get() const { return pool_; }
  int size() const { return mrw_thread_pool_size(pool_); }

 private:
  mrw_thread_pool *pool_ = nullptr;
};

#endif
