#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "support/pool.h"
#include "support/thread_counts.h"

namespace {

struct Counts {
  std::vector<std::atomic<int>> hits;
  std::atomic<int> bad_thread{0};
  int pool_size = 1;
  explicit Counts(size_t n) : hits(n) {}
};

void count_index(void *ctx, size_t index, int thread) {
  auto *c = static_cast<Counts *>(ctx);
  c->hits[index].fetch_add(1);
  if (thread < 0 || thread >= c->pool_size) c->bad_thread.fetch_add(1);
}

TEST(ThreadPool, RunsEveryIndexExactlyOnce) {
  for (int threads : kThreadCounts) {
    ScopedPool pool(threads);
    for (size_t count : {size_t{1}, size_t{3}, size_t{17}, size_t{1000}}) {
      for (int repeat = 0; repeat < 20; repeat++) {
        Counts counts(count);
        counts.pool_size = pool.size();
        mrw_thread_pool_run(pool.get(), count, count_index, &counts);
        for (size_t i = 0; i < count; i++) ASSERT_EQ(counts.hits[i].load(), 1) << "index " << i;
        ASSERT_EQ(counts.bad_thread.load(), 0);
      }
    }
  }
}

TEST(ThreadPool, NullPoolRunsInline) {
  Counts counts(5);
  mrw_thread_pool_run(nullptr, 5, count_index, &counts);
  for (auto &h : counts.hits) EXPECT_EQ(h.load(), 1);
  EXPECT_EQ(mrw_thread_pool_size(nullptr), 1);
}

TEST(ThreadPool, RejectsBadThreadCounts) {
  mrw_thread_pool *pool = nullptr;
  mrw_error err{};
  EXPECT_EQ(mrw_thread_pool_create(0, &pool, &err), MRW_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("thread count 0"), std::string::npos) << err.message;
  EXPECT_EQ(pool, nullptr);
  EXPECT_EQ(mrw_thread_pool_create(1000, &pool, &err), MRW_ERR_INVALID_ARGUMENT);
  mrw_thread_pool_free(nullptr);
}

}  // namespace
