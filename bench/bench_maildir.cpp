// The machine's limit for a Maildir delivery with no Sieve and no LMTP, by
// 1, 4 and 16 threads into 100 Maildirs:
//  - BM_MaildirWrite, the bare loop: each message written to tmp/,
//    fsynced, linked into new/, and new/ fsynced (2 fsyncs, no UIDs);
//  - BM_MaildirTransaction, zest's store path (store::MaildirTransaction
//    with zestd's default 8 fsync threads): the same plus the UID appended
//    to dovecot-uidlist under its lock, the fsyncs issued in two rounds.
// The directory is $ZEST_BENCH_DIR (default: the system temp directory);
// it must be on the file system the daemons deliver to.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "base/allocator.hpp"
#include "base/parallel_runner.hpp"
#include "bench/bench_common.hpp"
#include "store/maildir_tx.hpp"

namespace {

using namespace zest;
namespace fs = std::filesystem;

constexpr std::size_t kUsers = 100;

struct Fixture {
  fs::path root;
  std::vector<fs::path> maildirs;
  std::vector<std::string> corpus;  // LF line ends, as zestd stores them
  std::atomic<std::size_t> next{0};
  base::ParallelRunner syncs{8};  // [maildir] fsync_threads default
};

// tmp/ write, fsync, link into new/, fsync new/: what any durable Maildir
// delivery must at least do (store's own file and directory fsyncs, no
// UIDs, no locks). Returns an error text, or "".
std::string bare_write(const fs::path& maildir, const std::string& msg, std::size_t i) {
  const std::string name = std::to_string(::getpid()) + "." + std::to_string(i) +
                           ".bench,S=" + std::to_string(msg.size());
  const fs::path tmp = maildir / "tmp" / name;
  const fs::path dst = maildir / "new" / name;
  if (auto w = store::write_file_durably(tmp, msg); !w) return w.error().message;
  if (::link(tmp.c_str(), dst.c_str()) != 0) return dst.string() + ": link failed";
  ::unlink(tmp.c_str());
  if (auto d = store::fsync_dir(maildir / "new"); !d) return d.error().message;
  return "";
}

void BM_MaildirWrite(benchmark::State& state, Fixture* fx) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::size_t i = fx->next.fetch_add(1, std::memory_order_relaxed);
    const std::string& msg = fx->corpus[i % fx->corpus.size()];
    if (auto err = bare_write(fx->maildirs[(i * 7919) % kUsers], msg, i); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    bytes += msg.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_MaildirTransaction(benchmark::State& state, Fixture* fx) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::size_t i = fx->next.fetch_add(1, std::memory_order_relaxed);
    const std::string& msg = fx->corpus[i % fx->corpus.size()];
    store::MaildirTransaction tx({}, &fx->syncs);
    auto staged = tx.stage(fx->maildirs[(i * 7919) % kUsers], msg, {});
    if (!staged) {
      state.SkipWithError(staged.error().message.c_str());
      return;
    }
    auto done = tx.commit();
    if (!done) {
      state.SkipWithError(done.error().message.c_str());
      return;
    }
    bytes += msg.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

}  // namespace

int main(int argc, char** argv) {
  // The allocator settings of zestd and the tools (base/allocator.hpp).
  zest::base::tune_allocator();
  benchmark::Initialize(&argc, argv);
  Fixture fx;
  try {
    fx.corpus = bench::load_corpus(bench::corpus_dir());
    const char* base = std::getenv("ZEST_BENCH_DIR");
    fx.root = fs::path(base ? base : fs::temp_directory_path().string()) /
              ("zest-bench-maildir." + std::to_string(::getpid()));
    for (std::size_t u = 1; u <= kUsers; ++u) {
      fs::path d = fx.root / ("user" + std::to_string(u)) / "Maildir";
      if (auto r = store::create_maildir(d, false); !r) throw std::runtime_error(r.error());
      fx.maildirs.push_back(d);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_maildir: " << e.what() << "\n";
    return 1;
  }
  benchmark::RegisterBenchmark("BM_MaildirWrite", BM_MaildirWrite, &fx)
      ->Threads(1)
      ->Threads(4)
      ->Threads(16)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_MaildirTransaction", BM_MaildirTransaction, &fx)
      ->Threads(1)
      ->Threads(4)
      ->Threads(16)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(fx.root, ec);
  return 0;
}
