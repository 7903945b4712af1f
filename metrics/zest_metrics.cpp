#include "metrics/zest_metrics.hpp"

#include <vector>

namespace zest::metrics {
namespace {

std::string label_list(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& l : labels) out += (out.empty() ? "`" : ", `") + l + "`";
  return out.empty() ? "—" : out;
}

}  // namespace

// The macros' parentheses around braced lists keep their commas inside
// one argument; the lambdas strip them again.
#define ZEST_UNPAREN(...) __VA_ARGS__
ZestMetrics::ZestMetrics(Registry& r)
    :
#define ZEST_COUNTER(member, name, labels, help) \
  member(r.counter(name, help, std::vector<std::string> ZEST_UNPAREN labels)),
#define ZEST_GAUGE(member, name, labels, help) \
  member(r.gauge(name, help, std::vector<std::string> ZEST_UNPAREN labels)),
#define ZEST_HISTOGRAM(member, name, labels, bounds, help)                     \
  member(r.histogram(name, help, std::vector<std::string> ZEST_UNPAREN labels, \
                     std::vector<double> ZEST_UNPAREN bounds)),
#include "metrics/metrics.def"
      registered_(true) {
}

std::string metrics_markdown() {
  std::string out = "| metric | type | labels | meaning |\n|---|---|---|---|\n";
  auto row = [&](std::string_view name, std::string_view type, std::vector<std::string> labels,
                 std::string_view help) {
    out += "| `" + std::string(name) + "` | " + std::string(type) + " | " + label_list(labels) +
           " | " + std::string(help) + " |\n";
  };
#define ZEST_COUNTER(member, name, labels, help) \
  row(name, "counter", std::vector<std::string> ZEST_UNPAREN labels, help);
#define ZEST_GAUGE(member, name, labels, help) \
  row(name, "gauge", std::vector<std::string> ZEST_UNPAREN labels, help);
#define ZEST_HISTOGRAM(member, name, labels, bounds, help) \
  row(name, "histogram", std::vector<std::string> ZEST_UNPAREN labels, help);
#include "metrics/metrics.def"
  return out;
}

}  // namespace zest::metrics
