// In-process evaluation per message: parse the message and run the script
// over the whole corpus, like Pigeonhole's sieve-filter dry run (no I/O, no
// actions carried out). One benchmark per script; items are messages.
#include <benchmark/benchmark.h>

#include <iostream>
#include <string>

#include "base/allocator.hpp"
#include "bench/bench_common.hpp"
#include "interp/compiler.hpp"
#include "interp/registry.hpp"
#include "interp/vm.hpp"

namespace {

using namespace zest;

struct Fixture {
  interp::Registry registry;
  interp::EngineSettings settings;
  std::vector<std::string> corpus;
};

void BM_ParseMessage(benchmark::State& state, const Fixture* fx) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& raw : fx->corpus) {
      mail::Message msg(raw);
      benchmark::DoNotOptimize(msg.headers().data());
      bytes += raw.size();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * fx->corpus.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_Eval(benchmark::State& state, const Fixture* fx, const std::string& source) {
  auto compiled = interp::compile(source, fx->registry, fx->settings);
  if (!compiled.program) {
    state.SkipWithError("compile failed");
    return;
  }
  bench::DryRunHost host;
  // The envelope comes with the LMTP transaction, not from the message, so
  // it is made before the timing.
  std::vector<interp::Envelope> envelopes;
  for (const auto& raw : fx->corpus) envelopes.push_back(bench::envelope_of(mail::Message(raw)));
  std::size_t errors = 0, actions = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < fx->corpus.size(); ++i) {
      mail::Message msg(fx->corpus[i]);  // the copy is part of the cost, as for a delivery
      auto out = interp::run_program(*compiled.program, msg, envelopes[i], host, fx->settings,
                                     fx->registry);
      errors += out.status != interp::RunOutput::Status::Ok;
      actions += out.actions.size();
      benchmark::DoNotOptimize(out);
    }
  }
  const auto n = static_cast<std::int64_t>(state.iterations() * fx->corpus.size());
  state.SetItemsProcessed(n);
  // Microseconds per message, the figure compared with sieve-filter.
  state.counters["us_per_msg"] = benchmark::Counter(
      static_cast<double>(n) / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["runtime_errors"] = static_cast<double>(errors);
  state.counters["actions_per_msg"] = n ? static_cast<double>(actions) / static_cast<double>(n) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The allocator settings of zestd and the tools (base/allocator.hpp).
  zest::base::tune_allocator();
  benchmark::Initialize(&argc, argv);
  Fixture fx;
  try {
    fx.corpus = bench::load_corpus(bench::corpus_dir());
    benchmark::RegisterBenchmark("BM_ParseMessage", BM_ParseMessage, &fx)
        ->Unit(benchmark::kMillisecond);
    for (std::string_view name : bench::kScripts) {
      const std::string source =
          bench::read_all(bench::scripts_dir() / (std::string(name) + ".sieve"));
      benchmark::RegisterBenchmark(("BM_Eval/" + std::string(name)).c_str(), BM_Eval, &fx, source)
          ->Unit(benchmark::kMillisecond);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_eval: " << e.what() << "\n";
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
