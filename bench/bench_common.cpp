#include "bench/bench_common.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mail/address.hpp"

namespace zest::bench {
namespace fs = std::filesystem;

fs::path scripts_dir() {
  if (const char* e = std::getenv("ZEST_BENCH_SCRIPTS")) return e;
  return ZEST_BENCH_SCRIPTS_DEFAULT;
}

fs::path corpus_dir() {
  if (const char* e = std::getenv("ZEST_BENCH_CORPUS")) return e;
  return ZEST_BENCH_CORPUS_DEFAULT;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> load_corpus(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".eml") files.push_back(e.path());
  if (files.empty())
    throw std::runtime_error(dir.string() +
                             ": no *.eml (generate it with ../shared/bench/gen-corpus.py, or set "
                             "ZEST_BENCH_CORPUS)");
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back(read_all(f));
  return out;
}

interp::Envelope envelope_of(const mail::Message& msg) {
  interp::Envelope env;
  auto first = [&](const char* name, std::string fallback) {
    for (auto v : msg.header_raw(name)) {
      auto list = mail::parse_address_list(v);
      if (!list.addresses.empty()) return mail::to_string(list.addresses.front());
    }
    return fallback;
  };
  env.from = first("Return-Path", "sender@example.org");
  env.to = first("To", "user1@example.test");
  env.orig_to = env.to;
  return env;
}

}  // namespace zest::bench
