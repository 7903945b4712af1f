// What the benchmark programs share: where the scripts and the corpus are,
// reading them, and a Host that answers like a dry run (sieve-filter).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "interp/host.hpp"
#include "mail/message.hpp"

namespace zest::bench {

// The four scripts of ../shared/bench/scripts, in order of size.
inline constexpr std::string_view kScripts[] = {"trivial", "small", "typical", "huge"};

// $ZEST_BENCH_SCRIPTS, else the shared harness beside the checkout.
std::filesystem::path scripts_dir();
// $ZEST_BENCH_CORPUS, else <build>/bench/corpus (made by `make bench`).
std::filesystem::path corpus_dir();

std::string read_all(const std::filesystem::path& path);  // throws on error
// The corpus messages (*.eml, sorted by name), as gen-corpus.py wrote them.
std::vector<std::string> load_corpus(const std::filesystem::path& dir);

// The envelope lmtp-load.py would give the message: Return-Path as sender,
// the To address as recipient.
interp::Envelope envelope_of(const mail::Message& msg);

// Every mailbox exists, nothing is logged: a dry run.
class DryRunHost : public interp::Host {
 public:
  bool mailbox_exists(std::string_view) override { return true; }
};

}  // namespace zest::bench
