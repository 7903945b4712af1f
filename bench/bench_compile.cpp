// Compile time per script (and per KiB of source), the parse alone, and the
// load of a cached binary (.svbc), for the scripts of ../shared/bench.
#include <benchmark/benchmark.h>

#include <iostream>
#include <string>

#include "base/allocator.hpp"
#include "bench/bench_common.hpp"
#include "grammar/parse.hpp"
#include "interp/compiler.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"

namespace {

using namespace zest;

void set_size_counters(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["source_bytes"] = static_cast<double>(bytes);
  // Seconds per KiB, shown in the unit of the benchmark (inverted rate).
  state.counters["per_KiB"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(bytes) / 1024.0,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Parse(benchmark::State& state, const std::string& source) {
  const interp::EngineSettings settings;
  const auto limits = interp::parse_limits(settings);
  for (auto _ : state) {
    auto r = grammar::parse(source, limits);
    benchmark::DoNotOptimize(r);
  }
  set_size_counters(state, source.size());
}

void BM_Compile(benchmark::State& state, const std::string& source) {
  const interp::Registry registry;
  const interp::EngineSettings settings;
  for (auto _ : state) {
    auto r = interp::compile(source, registry, settings);
    if (!r.program) {
      state.SkipWithError("compile failed");
      return;
    }
    benchmark::DoNotOptimize(r);
  }
  set_size_counters(state, source.size());
}

void BM_LoadBinary(benchmark::State& state, const std::string& source) {
  const interp::Registry registry;
  const interp::EngineSettings settings;
  auto compiled = interp::compile(source, registry, settings);
  if (!compiled.program) {
    state.SkipWithError("compile failed");
    return;
  }
  const std::vector<std::uint8_t> bytes = interp::serialize(*compiled.program);
  for (auto _ : state) {
    auto p = interp::load_program(bytes, registry);
    if (!p) {
      state.SkipWithError("load failed");
      return;
    }
    benchmark::DoNotOptimize(p);
  }
  state.counters["svbc_bytes"] = static_cast<double>(bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  // The allocator settings of zestd and the tools (base/allocator.hpp).
  zest::base::tune_allocator();
  benchmark::Initialize(&argc, argv);
  try {
    for (std::string_view name : bench::kScripts) {
      const std::string source =
          bench::read_all(bench::scripts_dir() / (std::string(name) + ".sieve"));
      const std::string n(name);
      benchmark::RegisterBenchmark(("BM_Parse/" + n).c_str(), BM_Parse, source)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("BM_Compile/" + n).c_str(), BM_Compile, source)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("BM_LoadBinary/" + n).c_str(), BM_LoadBinary, source)
          ->Unit(benchmark::kMicrosecond);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_compile: " << e.what() << "\n";
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
