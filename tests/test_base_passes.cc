// Equal passes: as few as the bound allows, all of one size but the last.
#include <gtest/gtest.h>

extern "C" {
#include "base/passes.h"
}

namespace {

TEST(Passes, AsFewAsTheBoundAllowsOfEqualSize) {
  EXPECT_EQ(mrw_equal_pass_size(100, 64), 50);   // 50 + 50, not 64 + 36
  EXPECT_EQ(mrw_equal_pass_size(1000, 167), 167); // six passes of 167 (the last 165)
  EXPECT_EQ(mrw_equal_pass_size(1000, 200), 200);
  EXPECT_EQ(mrw_equal_pass_size(1001, 200), 167); // six passes
  EXPECT_EQ(mrw_equal_pass_size(150, 167), 150);  // one pass
  EXPECT_EQ(mrw_equal_pass_size(65, 64), 33);     // 33 + 32
  EXPECT_EQ(mrw_equal_pass_size(7, 1), 1);
  EXPECT_EQ(mrw_equal_pass_size(7, 0), 1);        // a bound below 1 is 1
  EXPECT_EQ(mrw_equal_pass_size(0, 64), 0);
}

}  // namespace
