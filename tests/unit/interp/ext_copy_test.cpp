// RFC 3894 copy: :copy keeps the implicit keep.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using V = std::vector<std::string>;

TEST(Copy, RedirectAndFileinto) {
  RunOutput out =
      run("require [\"copy\", \"fileinto\"]; redirect :copy \"a@example.com\"; "
          "fileinto :copy \"Archive\";");
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_EQ(describe(out), (V{"redirect a@example.com :copy", "fileinto Archive :copy"}));
  out = run("require \"copy\"; redirect \"a@example.com\";");
  EXPECT_FALSE(out.implicit_keep);
}

TEST(Copy, NeedsRequire) {
  EXPECT_NE(testing::compile_errors("redirect :copy \"a@example.com\";"), "");
}

}  // namespace
}  // namespace zest::interp
