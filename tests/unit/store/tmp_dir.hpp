// A fresh directory for one test of the store, named after the test (and
// the process), removed when the test ends.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace zest::store {

struct TmpDir {
  std::filesystem::path p = std::filesystem::temp_directory_path() / name();
  TmpDir() {
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(p, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;

 private:
  static std::string name() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return "zest-store-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" +
           test->name();
  }
};

}  // namespace zest::store
